import type { BenchPlatform } from './bench-platform.js';
import { closedLoop, median, medianCpuMsPerRun, spread, type ClosedLoop, type Spread } from './stats.js';

/** The loops a point runs: the bare workflow, govmesh, and (when asked) the bare workflow over Kafka. */
type Shape = 'bare' | 'govmesh' | 'kafkaActivity';

export interface ThroughputPoint {
  bare: Spread;
  govmesh: Spread;
  /** govmesh over the bare workflow: the tracked ratio. */
  ratio: number;
  /**
   * The bare workflow whose activities each make a round trip to a partner over Kafka, and govmesh
   * over it: what govmesh costs beyond reaching a partner over Kafka at all. Only when asked.
   */
  kafkaActivity?: Spread;
  ratioToKafkaActivity?: number;
  /** CPU ms per case: `bench` (this process) and each engine the machine runs (`temporal`, `kafka`). */
  cpuMsPerCase: Partial<Record<Shape, Record<string, number>>> & Record<'bare' | 'govmesh', Record<string, number>>;
  /** Records the govmesh rounds wrote to the broker's offsets log, per case (the consumers' commits). */
  offsetRecordsPerCase: number;
}

/**
 * One sweep point: `rounds` closed loops of `total` cases, `concurrency` at once, bare and govmesh
 * (and the bare workflow over Kafka, with `withKafkaActivity`) interleaved; the cases/s of each, the
 * ratios of the medians, and where a case's CPU went (this process: workers, bridge, partner,
 * client; and each engine's process tree).
 */
export async function throughputPoint(
  p: BenchPlatform,
  steps: number,
  concurrency: number,
  total: number,
  rounds: number,
  { withKafkaActivity = false } = {},
): Promise<ThroughputPoint> {
  const runs: Array<Partial<Record<Shape, ClosedLoop>>> = [];
  let offsetRecords = 0;
  const loop = (one: (steps: number) => Promise<{ ms: number }>) =>
    closedLoop(async () => (await one(steps)).ms, concurrency, total, p.enginePids, p.threadKind);
  for (let r = 0; r < rounds; r += 1) {
    const round: Partial<Record<Shape, ClosedLoop>> = { bare: await loop(p.bareCase) };
    if (withKafkaActivity) round.kafkaActivity = await loop(p.kafkaActivityCase);
    const before = await p.offsetRecords();
    round.govmesh = await loop(p.govmeshCase);
    offsetRecords += (await p.offsetRecords()) - before;
    runs.push(round);
  }
  const perSecond = (k: Shape) => runs.map((r) => r[k]!.perSecond);
  const cpu = (k: Shape) =>
    medianCpuMsPerRun(
      runs.map((r) => r[k]!),
      p.enginePids,
    );
  const govmesh = median(perSecond('govmesh'));
  return {
    bare: spread(perSecond('bare')),
    govmesh: spread(perSecond('govmesh')),
    ratio: govmesh / median(perSecond('bare')),
    ...(withKafkaActivity
      ? {
          kafkaActivity: spread(perSecond('kafkaActivity')),
          ratioToKafkaActivity: govmesh / median(perSecond('kafkaActivity')),
        }
      : {}),
    cpuMsPerCase: {
      bare: cpu('bare'),
      govmesh: cpu('govmesh'),
      ...(withKafkaActivity ? { kafkaActivity: cpu('kafkaActivity') } : {}),
    },
    offsetRecordsPerCase: offsetRecords / (rounds * total),
  };
}
