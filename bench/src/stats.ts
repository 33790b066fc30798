/** Figures for the report: medians, percentiles and the spread over repeated rounds. */
export const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
export const pct = (xs: readonly number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)] ?? Number.NaN;

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}
export const spread = (xs: readonly number[]): Spread => ({
  median: median(xs),
  min: Math.min(...xs),
  max: Math.max(...xs),
});

export interface Latency {
  readonly p50: number;
  readonly p99: number;
  readonly perSecond: number;
}
/** Latency percentiles of samples taken over `seconds`, and how many completed per second. */
export const latency = (samples: readonly number[], seconds: number): Latency => ({
  p50: median(samples),
  p99: pct(samples, 99),
  perSecond: samples.length / seconds,
});

export const say = (line: string): void => void process.stderr.write(`${line}\n`);

/**
 * Runs `one` `total` times with `concurrency` callers at once; returns each run's figure, the rate,
 * and this process's CPU time per run (workers, bridge, partner and client all live here).
 */
export async function closedLoop(
  one: () => Promise<number>,
  concurrency: number,
  total: number,
): Promise<{ samples: number[]; perSecond: number; cpuMsPerRun: number }> {
  let next = 0;
  const samples: number[] = [];
  const cpu = process.cpuUsage();
  const t = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next += 1;
        samples.push(await one());
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  return {
    samples,
    perSecond: total / ((performance.now() - t) / 1000),
    cpuMsPerRun: (used.user + used.system) / 1000 / total,
  };
}
