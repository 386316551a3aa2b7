/**
 * `npm start` from the sources, under tsx (`node --import tsx src/start.ts`): says so at once,
 * then loads and runs src/main.ts. `npm start` itself runs bin/start.js, the same from the build
 * in dist/app/, which loads in a fraction of the time (docs/running.md, The build).
 */
process.stderr.write(`Starting Workroom (pid ${process.pid}): loading…\n`)
const { main } = await import('./main.ts')
await main()
