import { DEFAULT_PORTS, DataDirEnv, PlatformEnv, caseKeysSource, loadProcessConfig } from '@govmesh/messaging';
import { z } from 'zod';

const WorkerEnv = PlatformEnv.extend({
  /** Prometheus metrics at http://<GOVMESH_METRICS_HOST>:<port>/metrics. */
  GOVMESH_WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65_535).default(DEFAULT_PORTS.workerMetrics),
  /** The Temporal SDK's own metrics (served by the SDK core), at http://<host>:<port>/metrics; 0 turns them off. */
  GOVMESH_WORKER_SDK_METRICS_PORT: z.coerce.number().int().min(0).max(65_535).default(DEFAULT_PORTS.workerSdkMetrics),
  /** YAML or JSON list of partner profiles. */
  GOVMESH_PARTNERS_FILE: z.string().min(1).optional(),
  /** The task queue the case workflows run on (a test isolates its runs with its own). */
  GOVMESH_CASE_TASK_QUEUE: z.string().min(1).default('govmesh-cases'),
  /** The jurisdiction's weekends and public holidays, for deadlines in working days. */
  GOVMESH_CALENDAR_FILE: z.string().default('examples/calendars/demo-jurisdiction.yaml'),
  /**
   * Cases kept in memory between their steps (Temporal's sticky cache). Each costs about 1.5 MiB
   * of resident memory; a case evicted from it is replayed from its history when it next moves.
   * The SDK's own default grows with the heap (about 2,300 on a 4 GiB heap), so the worker's
   * memory would grow with open cases to several GiB (bench/RESULTS.md has the measurements).
   */
  GOVMESH_WORKER_MAX_CACHED_CASES: z.coerce.number().int().min(0).default(100),
});

export type WorkerConfig = z.infer<typeof WorkerEnv> & {
  /** Where the case data keys are (GOVMESH_CASE_KEYS, GOVMESH_CASE_KEYS_FILE, or the data folder's). */
  readonly caseKeys: ReturnType<typeof caseKeysSource>;
};

export function loadConfig(env: Record<string, string | undefined> = process.env): WorkerConfig {
  const worker = loadProcessConfig('worker', WorkerEnv, env);
  const where = loadProcessConfig('worker', DataDirEnv, env);
  return { ...worker, caseKeys: caseKeysSource(worker, where.dataDir) };
}
