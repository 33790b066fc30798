import type { BenchPlatform } from './bench-platform.js';
import { closedLoop, median, medianCpuMsPerRun, spread, type ClosedLoop, type Spread } from './stats.js';

export interface ThroughputPoint {
  bare: Spread;
  govmesh: Spread;
  ratio: number;
  /** CPU ms per case: `bench` (this process) and each engine the machine runs (`temporal`, `kafka`). */
  cpuMsPerCase: { bare: Record<string, number>; govmesh: Record<string, number> };
  /** Records the govmesh rounds wrote to the broker's offsets log, per case (the consumers' commits). */
  offsetRecordsPerCase: number;
}

/**
 * One sweep point: `rounds` closed loops of `total` cases, `concurrency` at once, bare and govmesh
 * interleaved; the cases/s of each, the ratio of the medians, and where a case's CPU went (this
 * process: workers, bridge, partner, client; and each engine's process tree).
 */
export async function throughputPoint(
  p: BenchPlatform,
  steps: number,
  concurrency: number,
  total: number,
  rounds: number,
): Promise<ThroughputPoint> {
  const runs: Array<{ bare: ClosedLoop; govmesh: ClosedLoop }> = [];
  let offsetRecords = 0;
  for (let r = 0; r < rounds; r += 1) {
    const bare = await closedLoop(async () => (await p.bareCase(steps)).ms, concurrency, total, p.enginePids);
    const before = await p.offsetRecords();
    const govmesh = await closedLoop(async () => (await p.govmeshCase(steps)).ms, concurrency, total, p.enginePids);
    offsetRecords += (await p.offsetRecords()) - before;
    runs.push({ bare, govmesh });
  }
  const med = (f: (r: { bare: ClosedLoop; govmesh: ClosedLoop }) => number) => median(runs.map(f));
  const cpu = (k: 'bare' | 'govmesh') =>
    medianCpuMsPerRun(
      runs.map((r) => r[k]),
      p.enginePids,
    );
  return {
    bare: spread(runs.map((r) => r.bare.perSecond)),
    govmesh: spread(runs.map((r) => r.govmesh.perSecond)),
    ratio: med((r) => r.govmesh.perSecond) / med((r) => r.bare.perSecond),
    cpuMsPerCase: { bare: cpu('bare'), govmesh: cpu('govmesh') },
    offsetRecordsPerCase: offsetRecords / (rounds * total),
  };
}
