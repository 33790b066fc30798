import { readFileSync, readdirSync } from 'node:fs';

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
 * CPU time (user + system, ms) used so far by each process tree named: the engine's process and
 * every descendant (a launcher script's JVM, say), read from /proc. On two cores the engines and
 * govmesh share the CPU, so what a case costs *them* is as much part of throughput as our own.
 */
export function processTreeCpuMs(roots: Readonly<Record<string, number>>): Record<string, number> {
  const ticksPerMs = 100 / 1000; // USER_HZ is 100 on Linux
  const procs: Array<{ pid: number; ppid: number; ticks: number }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command sits in parentheses and may hold spaces: fields are counted after it.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.push({ pid: Number(entry), ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // a process that ended while we read
    }
  }
  const out: Record<string, number> = {};
  for (const [name, root] of Object.entries(roots)) {
    const tree = new Set([root]);
    for (let grew = true; grew;) {
      grew = false;
      for (const p of procs)
        if (!tree.has(p.pid) && tree.has(p.ppid)) {
          tree.add(p.pid);
          grew = true;
        }
    }
    out[name] = procs.filter((p) => tree.has(p.pid)).reduce((n, p) => n + p.ticks, 0) / ticksPerMs;
  }
  return out;
}

export interface ClosedLoop {
  samples: number[];
  perSecond: number;
  cpuMsPerRun: number;
  engineCpuMsPerRun: Record<string, number>;
}

/** CPU ms per run over several loops, medians: `bench` (this process) and each engine's. */
export function medianCpuMsPerRun(
  loops: readonly ClosedLoop[],
  engines: Readonly<Record<string, number>>,
): Record<string, number> {
  return {
    bench: median(loops.map((l) => l.cpuMsPerRun)),
    ...Object.fromEntries(Object.keys(engines).map((e) => [e, median(loops.map((l) => l.engineCpuMsPerRun[e]!))])),
  };
}

/**
 * Runs `one` `total` times with `concurrency` callers at once; returns each run's figure, the rate,
 * and this process's CPU time per run (workers, bridge, partner and client all live here).
 */
export async function closedLoop(
  one: () => Promise<number>,
  concurrency: number,
  total: number,
  engines: Readonly<Record<string, number>> = {},
): Promise<ClosedLoop> {
  let next = 0;
  const samples: number[] = [];
  const enginesBefore = processTreeCpuMs(engines);
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
  const enginesAfter = processTreeCpuMs(engines);
  return {
    samples,
    perSecond: total / ((performance.now() - t) / 1000),
    cpuMsPerRun: (used.user + used.system) / 1000 / total,
    engineCpuMsPerRun: Object.fromEntries(
      Object.keys(engines).map((name) => [name, (enginesAfter[name]! - enginesBefore[name]!) / total]),
    ),
  };
}
