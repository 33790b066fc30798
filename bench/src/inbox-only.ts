// The inbox measurement alone (`npx tsx src/inbox-only.ts [open cases …]`, default 1000): how long
// the officers' one-query inbox takes with that many cases waiting, against asking every case.
import { startBenchPlatform } from './bench-platform.js';
import { inboxBench } from './inbox.js';

const levels = process.argv.slice(2).map(Number);
const p = await startBenchPlatform();
try {
  process.stdout.write(`${JSON.stringify(await inboxBench(p, levels.length ? levels : [1000], 20))}\n`);
} finally {
  await p.stop();
}
process.exit(0);
