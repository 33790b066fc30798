// One throughput point alone (`npx tsx src/throughput-only.ts [steps] [concurrency]`), to compare a
// change's cost per case quickly: cases/s and bench-process CPU ms per case, bare and govmesh.
import { startBenchPlatform } from './bench-platform.js';
import { closedLoop, median } from './stats.js';

const steps = Number(process.argv[2] ?? 3);
const concurrency = Number(process.argv[3] ?? 32);
const p = await startBenchPlatform();
try {
  for (let i = 0; i < 3; i += 1) await p.govmeshCase(1);
  const rows: Array<[number, number, number, number]> = [];
  for (let r = 0; r < 3; r += 1) {
    const b = await closedLoop(async () => (await p.bareCase(steps)).ms, concurrency, 2 * concurrency);
    const g = await closedLoop(async () => (await p.govmeshCase(steps)).ms, concurrency, 2 * concurrency);
    rows.push([b.perSecond, g.perSecond, b.cpuMsPerRun, g.cpuMsPerRun]);
  }
  const col = (i: number) => median(rows.map((row) => row[i]!));
  process.stdout.write(
    `${JSON.stringify({ steps, concurrency, bare: col(0), govmesh: col(1), ratio: col(1) / col(0), cpuMsPerCase: { bare: col(2), govmesh: col(3) } })}\n`,
  );
} finally {
  await p.stop();
}
process.exit(0);
