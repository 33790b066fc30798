// What a case asks of the Temporal server, and what it costs the engines
// (`npx tsx src/server-ops.ts [steps] [cases] [bare|govmesh]`): the dev server's own request and
// persistence counters (its metrics endpoint) and the engines' CPU, read around `cases` bare
// workflows and then as many govmesh cases, 8 at a time, and printed per case side by side. The
// engines' idle CPU over the same time is taken off. Given `bare` or `govmesh`, only that kind runs,
// between two lines on stderr (`[server-ops] … start`, `… end`), so that a profiler of the server
// (`perf record -p <pid>`) can be started and stopped around it.
import { startBenchPlatform } from './bench-platform.js';
import { processTreeCpuMs } from './stats.js';

const steps = Number(process.argv[2] ?? 3);
const cases = Number(process.argv[3] ?? 64);
const only = process.argv[4];
if (only !== undefined && only !== 'bare' && only !== 'govmesh')
  throw new Error(`run "bare" or "govmesh", not "${only}"`);
/** How long the server's queues (visibility, transfer) are given to finish a run's work. */
const SETTLE_MS = 2_000;

const p = await startBenchPlatform();
const metricsUrl = `http://127.0.0.1:${p.infraConfig.temporal.metricsPort}/metrics`;

/** Every request and persistence counter of the server, by kind, service and operation. */
async function counters(): Promise<Map<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(service_requests|persistence_requests|visibility_persistence_requests)\{(.*)\} (\S+)$/.exec(line);
    if (!m) continue;
    const labels = new Map([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]));
    const namespace = labels.get('namespace');
    if (namespace && !['default', '_unknown_', 'all'].includes(namespace)) continue;
    const key = `${m[1]} ${labels.get('service_name') ?? ''} ${labels.get('operation') ?? ''}`;
    out.set(key, (out.get(key) ?? 0) + Number(m[3]));
  }
  return out;
}

const settle = () => new Promise((r) => setTimeout(r, SETTLE_MS));

/** The engines' CPU in ms over SETTLE_MS with nothing running. */
async function idleCpuMs(): Promise<Record<string, number>> {
  const before = processTreeCpuMs(p.enginePids);
  await settle();
  const after = processTreeCpuMs(p.enginePids);
  return Object.fromEntries(Object.keys(after).map((e) => [e, after[e]! - (before[e] ?? 0)]));
}

async function perCase(run: () => Promise<unknown>): Promise<Map<string, number>> {
  const idle = await idleCpuMs();
  const t0 = performance.now();
  const cpuBefore = processTreeCpuMs(p.enginePids);
  const before = await counters();
  let left = cases;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (left-- > 0) await run();
    }),
  );
  await settle();
  const after = await counters();
  const cpuAfter = processTreeCpuMs(p.enginePids);
  const idleShare = (performance.now() - t0) / SETTLE_MS;
  const out = new Map<string, number>();
  for (const engine of Object.keys(cpuAfter)) {
    const used = cpuAfter[engine]! - (cpuBefore[engine] ?? 0) - (idle[engine] ?? 0) * idleShare;
    out.set(`CPU ms ${engine} (idle taken off)`, used / cases);
  }
  for (const [k, v] of after) if (v > (before.get(k) ?? 0)) out.set(k, (v - (before.get(k) ?? 0)) / cases);
  return out;
}

try {
  for (let i = 0; i < 3; i += 1) await p.govmeshCase(1);
  const none = new Map<string, number>();
  if (only) process.stderr.write(`[server-ops] ${only} cases start\n`);
  const bare = only === 'govmesh' ? none : await perCase(() => p.bareCase(steps));
  const govmesh = only === 'bare' ? none : await perCase(() => p.govmeshCase(steps));
  if (only) process.stderr.write(`[server-ops] ${only} cases end\n`);
  const keys = [...new Set([...bare.keys(), ...govmesh.keys()])].sort();
  const row = (k: string, a: string, b: string) => `${k.padEnd(76)} ${a.padStart(8)} ${b.padStart(8)}\n`;
  process.stdout.write(row(`per ${steps}-step case (${cases} of each, 8 at a time)`, 'bare', 'govmesh'));
  for (const k of keys) process.stdout.write(row(k, (bare.get(k) ?? 0).toFixed(2), (govmesh.get(k) ?? 0).toFixed(2)));
} finally {
  await p.stop();
}
process.exit(0);
