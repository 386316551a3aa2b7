#!/usr/bin/env node
/**
 * `npm start`: says so at once, then runs src/main.ts from the build in dist/app/
 * (scripts/build.js), compiling it first when the sources changed since. src/start.ts does the
 * same from the sources, under tsx.
 */
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { ensureBuilt } from '../scripts/build.js'

process.stderr.write(`Starting Workroom (pid ${process.pid}): loading…\n`)
const dir = await ensureBuilt({
  // The same form as src/startup.ts's phase lines, which cannot be loaded before the build.
  onBuild: (why) => process.stderr.write(`[${process.uptime().toFixed(1).padStart(5)} s] compiling src/ into dist/app/ (${why})\n`),
})
// A bug's stack trace names src/ files and lines (the maps hold positions only: cheap to load).
process.setSourceMapsEnabled(true)
const { main } = await import(pathToFileURL(path.join(dir, 'main.js')).href)
await main()
