import { z } from 'zod';

const Env = z.object({
  KAFKA_BROKERS: z.string().default('127.0.0.1:19092').transform((s) => s.split(',').map((b) => b.trim())),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:17233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  GOVMESH_BRIDGE_GROUP: z.string().default('govmesh-bridge'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
});

export type BridgeConfig = z.infer<typeof Env>;

export function loadConfig(env: Record<string, string | undefined> = process.env): BridgeConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    process.stderr.write(`govmesh bridge: invalid configuration\n${z.prettifyError(parsed.error)}\n`);
    process.exit(1);
  }
  return parsed.data;
}
