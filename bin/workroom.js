#!/usr/bin/env node
/**
 * The `workroom` command: src/cli.ts from the build in dist/app/ (scripts/build.js), compiled
 * first when the sources changed since.
 */
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { ensureBuilt } from '../scripts/build.js'

const dir = await ensureBuilt()
// src/cli.ts runs its program when it is the script node was asked to run.
process.argv[1] = fileURLToPath(new URL('../src/cli.ts', import.meta.url))
process.setSourceMapsEnabled(true)
await import(pathToFileURL(path.join(dir, 'cli.js')).href)
