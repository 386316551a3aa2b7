#!/usr/bin/env node
// The `workroom` command: runs the TypeScript sources through tsx, no build step.
import { register } from 'tsx/esm/api'
import { fileURLToPath } from 'node:url'

register()
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url))
process.argv[1] = cli
await import(cli)
