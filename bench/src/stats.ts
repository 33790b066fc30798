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

/** This process's threads so far: id → name and CPU time (user + system, ms), from /proc/self/task. */
export function threadCpuMs(): Map<number, { name: string; ms: number }> {
  const out = new Map<number, { name: string; ms: number }>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      out.set(Number(tid), { name, ms: (Number(fields[11]) + Number(fields[12])) * 10 });
    } catch {
      // a thread that ended while we read
    }
  }
  return out;
}

/**
 * What a thread of the bench process does, for splitting a case's CPU: `main` (the event loop:
 * bridge, partner, client, activities and their Kafka and gRPC clients), `workflow` (the threads
 * the Temporal workers started to run workflow code in their sandboxes), `core` (Temporal's Rust
 * core), `runtime` (threads Node had before the platform started: V8's garbage collection and
 * compilers, libuv's pool).
 */
export type ThreadKind = 'main' | 'workflow' | 'core' | 'runtime';

/** Names the bench process's threads, given those it had before the platform started any. */
export function threadKinds(before: ReadonlySet<number>): (tid: number, name: string) => ThreadKind {
  return (tid, name) =>
    tid === process.pid ? 'main' : before.has(tid) ? 'runtime' : name === 'node' ? 'workflow' : 'core';
}

export interface ClosedLoop {
  samples: number[];
  perSecond: number;
  cpuMsPerRun: number;
  engineCpuMsPerRun: Record<string, number>;
  /** The bench process's CPU per run by kind of thread, where the loop was told the kinds. */
  threadCpuMsPerRun?: Record<ThreadKind, number>;
}

/** CPU ms per run over several loops, medians: `bench` (this process) and each engine's. */
export function medianCpuMsPerRun(
  loops: readonly ClosedLoop[],
  engines: Readonly<Record<string, number>>,
): Record<string, number> {
  const kinds = loops[0]?.threadCpuMsPerRun ? (Object.keys(loops[0].threadCpuMsPerRun) as ThreadKind[]) : [];
  return {
    bench: median(loops.map((l) => l.cpuMsPerRun)),
    ...Object.fromEntries(kinds.map((k) => [`bench.${k}`, median(loops.map((l) => l.threadCpuMsPerRun![k]))])),
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
  threadKind?: (tid: number, name: string) => ThreadKind,
): Promise<ClosedLoop> {
  let next = 0;
  const samples: number[] = [];
  const threadsBefore = threadKind ? threadCpuMs() : undefined;
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
  let threadCpuMsPerRun: Record<ThreadKind, number> | undefined;
  if (threadKind && threadsBefore) {
    threadCpuMsPerRun = { main: 0, workflow: 0, core: 0, runtime: 0 };
    for (const [tid, t] of threadCpuMs())
      threadCpuMsPerRun[threadKind(tid, t.name)] += (t.ms - (threadsBefore.get(tid)?.ms ?? 0)) / total;
  }
  return {
    samples,
    ...(threadCpuMsPerRun ? { threadCpuMsPerRun } : {}),
    perSecond: total / ((performance.now() - t) / 1000),
    cpuMsPerRun: (used.user + used.system) / 1000 / total,
    engineCpuMsPerRun: Object.fromEntries(
      Object.keys(engines).map((name) => [name, (enginesAfter[name]! - enginesBefore[name]!) / total]),
    ),
  };
}
