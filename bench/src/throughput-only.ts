// One throughput point alone (`npx tsx src/throughput-only.ts [steps] [concurrency]`), to compare a
// change's cost per case quickly: cases/s and bench-process CPU ms per case, bare and govmesh.
import { startBenchPlatform } from './bench-platform.js';
import { closedLoop, median } from './stats.js';

type Loop = Awaited<ReturnType<typeof closedLoop>>;

const steps = Number(process.argv[2] ?? 3);
const concurrency = Number(process.argv[3] ?? 32);
const p = await startBenchPlatform();
try {
  for (let i = 0; i < 3; i += 1) await p.govmeshCase(1);
  const rows: Array<{ bare: Loop; govmesh: Loop }> = [];
  for (let r = 0; r < 3; r += 1) {
    const bare = await closedLoop(async () => (await p.bareCase(steps)).ms, concurrency, 2 * concurrency, p.enginePids);
    const govmesh = await closedLoop(
      async () => (await p.govmeshCase(steps)).ms,
      concurrency,
      2 * concurrency,
      p.enginePids,
    );
    rows.push({ bare, govmesh });
  }
  const med = (f: (row: { bare: Loop; govmesh: Loop }) => number) => median(rows.map(f));
  const cpu = (k: 'bare' | 'govmesh') => ({
    bench: med((r) => r[k].cpuMsPerRun),
    ...Object.fromEntries(Object.keys(p.enginePids).map((e) => [e, med((r) => r[k].engineCpuMsPerRun[e]!)])),
  });
  const [bare, govmesh] = [med((r) => r.bare.perSecond), med((r) => r.govmesh.perSecond)];
  process.stdout.write(
    `${JSON.stringify({ steps, concurrency, bare, govmesh, ratio: govmesh / bare, cpuMsPerCase: { bare: cpu('bare'), govmesh: cpu('govmesh') } })}\n`,
  );
} finally {
  await p.stop();
}
process.exit(0);
