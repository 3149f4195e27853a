// Runs a Node script in this process and reports the process's peak resident memory
// (all threads) on standard error at exit: `peak-rss-kb N`. Used by replay.mjs.
import { pathToFileURL } from 'node:url';

const [script, ...args] = process.argv.slice(2);
process.argv = [process.argv[0], script, ...args];
process.on('exit', () => process.stderr.write(`peak-rss-kb ${process.resourceUsage().maxRSS}\n`));
await import(pathToFileURL(script).href);
