import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** One row of seeds/QUESTIONS.md: a question whose answer fact sits in exactly one document. */
export interface EvalQuestion { question: string; file: string; fact: string; tenant: string; client: string | null }

const FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../seeds/QUESTIONS.md')

export function readQuestions(file = FILE): EvalQuestion[] {
  return readFileSync(file, 'utf8').split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| question') && !l.startsWith('|---'))
    .map((l) => {
      // Cells are split on " | " so a fact may itself contain a bare "|" only if unspaced.
      const [question, file, fact, tenant, client] = l.slice(2, -2).split(' | ').map((c) => c.trim())
      return { question: question!, file: file!, fact: fact!, tenant: tenant!, client: client === '-' ? null : client! }
    })
}
