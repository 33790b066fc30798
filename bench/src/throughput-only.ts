// One throughput point alone (`npx tsx src/throughput-only.ts [steps] [concurrency]`), to compare a
// change's cost per case quickly: cases/s and CPU ms per case (this process and each engine), bare and govmesh.
import { startBenchPlatform } from './bench-platform.js';
import { throughputPoint } from './throughput-point.js';

const steps = Number(process.argv[2] ?? 3);
const concurrency = Number(process.argv[3] ?? 32);
const p = await startBenchPlatform();
try {
  for (let i = 0; i < 3; i += 1) await p.govmeshCase(1);
  const point = await throughputPoint(p, steps, concurrency, 2 * concurrency, 3);
  const [bare, govmesh] = [point.bare.median, point.govmesh.median];
  process.stdout.write(
    `${JSON.stringify({ steps, concurrency, bare, govmesh, ratio: point.ratio, cpuMsPerCase: point.cpuMsPerCase, offsetRecordsPerCase: +point.offsetRecordsPerCase.toFixed(2) })}\n`,
  );
} finally {
  await p.stop();
}
process.exit(0);
