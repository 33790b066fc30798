import { z } from 'zod';

const Env = z.object({
  KAFKA_BROKERS: z.string().default('127.0.0.1:19092').transform((s) => s.split(',').map((b) => b.trim())),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:17233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  GOVMESH_BRIDGE_GROUP: z.string().default('govmesh-bridge'),
  /** Which result topics to read (a regular expression); every partner's by default. */
  GOVMESH_BRIDGE_TOPIC_PATTERN: z
    .string()
    .optional()
    .refine((p) => {
      try {
        return p === undefined || new RegExp(p) instanceof RegExp;
      } catch {
        return false;
      }
    }, 'must be a regular expression')
    .transform((p) => (p === undefined ? undefined : new RegExp(p))),
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
