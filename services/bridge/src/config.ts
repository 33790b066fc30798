import { DEFAULT_PORTS, DataDirEnv, PlatformEnv, caseKeysSource, loadProcessConfig } from '@govmesh/messaging';
import { z } from 'zod';

export const BridgeEnv = PlatformEnv.extend({
  /** Prometheus metrics at http://<GOVMESH_METRICS_HOST>:<port>/metrics. */
  GOVMESH_BRIDGE_METRICS_PORT: z.coerce.number().int().min(0).max(65_535).default(DEFAULT_PORTS.bridgeMetrics),
  GOVMESH_BRIDGE_GROUP: z.string().min(1).default('govmesh-bridge'),
  /** Results handed over at once; each case's stay in order. */
  GOVMESH_BRIDGE_CONCURRENCY: z.coerce.number().int().min(1).max(1024).default(64),
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
});

export type BridgeConfig = z.infer<typeof BridgeEnv> & {
  /** Where the case data keys are (GOVMESH_CASE_KEYS, GOVMESH_CASE_KEYS_FILE, or the data folder's). */
  readonly caseKeys: ReturnType<typeof caseKeysSource>;
};

export function loadConfig(env: Record<string, string | undefined> = process.env): BridgeConfig {
  const bridge = loadProcessConfig('bridge', BridgeEnv, env);
  const where = loadProcessConfig('bridge', DataDirEnv, env);
  return { ...bridge, caseKeys: caseKeysSource(bridge, where.dataDir) };
}
