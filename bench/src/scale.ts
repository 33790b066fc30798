import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { platformCredentials, type InfraConfig } from '@govmesh/infra';
import { credentialsEnv, ensureTopics, serviceProgram, untilReady } from '@govmesh/messaging';

import { benchDefinition, openCases, type BenchPlatform } from './bench-platform.js';
import { say } from './stats.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** How long the scale phase waits without a single new dispatch before it gives up. */
const STALL_MS = 120_000;

/** Resident memory of a process, in MiB, from /proc. */
const rssMiB = (child: ChildProcess): number => {
  const line =
    readFileSync(`/proc/${child.pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:')) ?? '';
  return Number(/(\d+)/.exec(line)?.[1] ?? Number.NaN) / 1024;
};

async function startProcess(
  infraConfig: InfraConfig,
  name: 'worker' | 'bridge',
  env: Record<string, string>,
  onLine: (line: string) => void,
): Promise<ChildProcess> {
  // Each as its own Kafka principal, as `govmesh up` starts them, in the bench's own environment.
  const principal = credentialsEnv(platformCredentials(infraConfig, name));
  // The service's program, ready when it says so over IPC.
  const child = spawn(process.execPath, [serviceProgram(root, name)], {
    cwd: root,
    env: { ...infraConfig.processEnv, ...env, ...principal },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  createInterface({ input: child.stdout! }).on('line', onLine);
  await untilReady(child, `the bench's ${name}`, 'its output above');
  return child;
}

export interface ScaleFigures {
  readonly openCases: number;
  readonly workerRssMiB: number;
  readonly bridgeRssMiB: number;
  /** From the first start to the last task dispatched. */
  readonly secondsToDispatchAll: number;
}

/**
 * Opens cases waiting on a partner that never answers, with the worker and the bridge as their
 * own processes (as in production), and reads their resident memory at each level.
 */
export async function scaleBench(
  p: BenchPlatform,
  levels: readonly number[],
): Promise<{
  workerMaxCachedCases: number;
  idle: { workerRssMiB: number; bridgeRssMiB: number };
  levels: ScaleFigures[];
}> {
  const partnerId = `bench-silent-${p.run}`;
  await ensureTopics(p.kafka, [partnerId]);
  const dir = mkdtempSync(join(tmpdir(), 'govmesh-bench-scale-'));
  const partnersFile = join(dir, 'partners.yaml');
  writeFileSync(
    partnersFile,
    `- id: ${partnerId}\n  name: never answers\n  capabilities: [background-check@1]\n  terms:\n    background-check@1: { deadline: { hours: 24 }, capacity: 1000000 }\n  status: active\n`,
  );
  const taskQueue = `bench-scale-${p.run}`;
  // The worker and bridge open the cases the bench's client sealed: the same keyring, or no case
  // ever reaches its dispatch.
  const env = {
    KAFKA_BROKERS: p.infra.kafka.address,
    TEMPORAL_ADDRESS: p.infra.temporal.address,
    LOG_LEVEL: 'info',
    GOVMESH_CASE_KEYS_FILE: p.caseKeysFile,
  };
  let dispatched = 0;
  let workerMaxCachedCases = Number.NaN; // as the worker read it from its own configuration
  const worker = await startProcess(
    p.infraConfig,
    'worker',
    { ...env, GOVMESH_CASE_TASK_QUEUE: taskQueue, GOVMESH_PARTNERS_FILE: partnersFile },
    (l) => {
      if (l.includes('"msg":"task dispatched"')) dispatched += 1;
      else if (l.includes('"msg":"worker running"'))
        workerMaxCachedCases = Number((JSON.parse(l) as { maxCachedCases?: number }).maxCachedCases);
    },
  );
  const bridge = await startProcess(
    p.infraConfig,
    'bridge',
    {
      ...env,
      GOVMESH_BRIDGE_GROUP: `govmesh-bridge-bench-scale-${p.run}`,
      GOVMESH_BRIDGE_TOPIC_PATTERN: `^govmesh\\.results\\.${partnerId}$`,
    },
    () => undefined,
  );
  const definition = benchDefinition(1, { hours: 24 }, [partnerId]);
  const idle = { workerRssMiB: rssMiB(worker), bridgeRssMiB: rssMiB(bridge) };
  const figures: ScaleFigures[] = [];
  try {
    let opened = 0;
    const t = performance.now();
    for (const level of levels) {
      await openCases(p.client, { taskQueue, prefix: `bench-scale-${p.run}`, from: opened, to: level, definition });
      opened = level;
      let shown = 0;
      let progressAt = performance.now();
      let before = dispatched;
      while (dispatched < level) {
        if (dispatched - shown >= 250) say(`  scale: ${(shown = dispatched)}/${level} dispatched`);
        if (dispatched !== before) [before, progressAt] = [dispatched, performance.now()];
        // A worker that cannot run the cases (wrong keys, a crash) must not leave the bench waiting for ever.
        if (performance.now() - progressAt > STALL_MS)
          throw new Error(
            `scale: no task dispatched for ${STALL_MS / 1000} s (${dispatched}/${level}); the worker's log is above`,
          );
        await new Promise((r) => setTimeout(r, 250));
      }
      const secondsToDispatchAll = (performance.now() - t) / 1000;
      await new Promise((r) => setTimeout(r, 2_000)); // let the heap settle before reading it
      figures.push({
        openCases: level,
        workerRssMiB: rssMiB(worker),
        bridgeRssMiB: rssMiB(bridge),
        secondsToDispatchAll,
      });
      say(
        `  scale: ${level} open cases: worker ${figures.at(-1)!.workerRssMiB.toFixed(0)} MiB, bridge ${figures.at(-1)!.bridgeRssMiB.toFixed(0)} MiB, ${secondsToDispatchAll.toFixed(1)} s to dispatch all`,
      );
    }
  } finally {
    worker.kill('SIGTERM');
    bridge.kill('SIGTERM');
    // The open cases are the bench's own; a batch terminate closes them without a worker.
    await p.client.workflowService
      .startBatchOperation({
        namespace: 'default',
        jobId: `bench-scale-cleanup-${p.run}`,
        reason: 'bench scale run done',
        visibilityQuery: `TaskQueue = "${taskQueue}" AND ExecutionStatus = "Running"`,
        terminationOperation: {},
      })
      .catch((err: unknown) => say(`  scale: could not close the bench's open cases: ${(err as Error).message}`));
    rmSync(dir, { recursive: true, force: true });
  }
  return { workerMaxCachedCases, idle, levels: figures };
}
