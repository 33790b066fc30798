import { z } from 'zod';

const Env = z.object({
  KAFKA_BROKERS: z.string().default('127.0.0.1:19092').transform((s) => s.split(',').map((b) => b.trim())),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:17233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  /** YAML or JSON list of partner profiles. */
  GOVMESH_PARTNERS_FILE: z.string().default('examples/partners/demo-partners.yaml'),
  /** The task queue the case workflows run on (a test isolates its runs with its own). */
  GOVMESH_CASE_TASK_QUEUE: z.string().min(1).default('govmesh-cases'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
});

export type WorkerConfig = z.infer<typeof Env>;

/** Reads the worker's configuration once; on a bad value prints every problem and exits 1. */
export function loadConfig(env: Record<string, string | undefined> = process.env): WorkerConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    process.stderr.write(`govmesh worker: invalid configuration\n${z.prettifyError(parsed.error)}\n`);
    process.exit(1);
  }
  return parsed.data;
}
