/**
 * `npm start`: says so at once, then loads and runs src/main.ts. Loading its modules takes
 * seconds under tsx (every file passes through its loader), and until now the first start
 * printed nothing for all of them.
 */
process.stderr.write(`Starting Workroom (pid ${process.pid}): loading…\n`)
const { main } = await import('./main.ts')
await main()
