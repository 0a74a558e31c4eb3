/* global process -- a CommonJS preload run by Node */
// Preloaded into a benchmarked process (node -r): prints its peak RSS on stderr when it exits, so `npm run bench`
// can report the memory of the real CLI (dist/cli.js) without wrapping its code.
process.on('exit', () => {
  process.stderr.write(`\n{"maxRssKb":${process.resourceUsage().maxRSS}}\n`);
});
