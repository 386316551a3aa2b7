import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import matter from 'gray-matter'
import { z } from 'zod'
import type { KnowledgeSource } from './generate.ts'

export const KNOWLEDGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'knowledge')

const FrontMatter = z.object({
  title: z.string().min(1),
  type: z.string().min(1),
  tenant: z.string().min(1),
  client: z.string().min(1).optional(),
  campaign: z.string().min(1).optional(),
})

/** The demo corpus of one tenant: seeds/knowledge/*.md whose front matter names that tenant. */
export async function readKnowledge(tenantSlug: string, dir = KNOWLEDGE_DIR): Promise<KnowledgeSource[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.md')).sort()
  const docs: KnowledgeSource[] = []
  for (const file of files) {
    const parsed = matter(await readFile(path.join(dir, file), 'utf8'))
    const meta = FrontMatter.safeParse(parsed.data)
    if (!meta.success) throw new Error(`seeds/knowledge/${file}: bad front matter: ${meta.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`)
    if (meta.data.tenant !== tenantSlug) continue
    docs.push({ file, title: meta.data.title, type: meta.data.type, clientKey: meta.data.client ?? null, body: parsed.content })
  }
  return docs
}
