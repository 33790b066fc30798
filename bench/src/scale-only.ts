// One scale measurement alone (`npx tsx src/scale-only.ts`), to compare a change's memory quickly.
import { startBenchPlatform } from './bench-platform.js';
import { scaleBench } from './scale.js';

const p = await startBenchPlatform();
try {
  const r = await scaleBench(p, [250, 1000]);
  process.stdout.write(`${JSON.stringify(r)}\n`);
} finally {
  await p.stop();
}
process.exit(0);
