import { join } from 'node:path';

import { LedgerLocationEnv } from '@govmesh/audit';
import { PlatformEnv, loadProcessConfig } from '@govmesh/messaging';
import { z } from 'zod';

/** For a laptop only: `main` warns when it is in use. Production sets GOVMESH_API_JWT_SECRET. */
export const DEVELOPMENT_JWT_SECRET = 'govmesh-development-secret-do-not-use-in-production';

const ApiEnv = PlatformEnv.extend({
  GOVMESH_API_HOST: z.string().min(1).default('127.0.0.1'),
  GOVMESH_API_PORT: z.coerce.number().int().min(1).max(65_535).default(17_280),
  GOVMESH_API_JWT_SECRET: z.string().min(32, 'use at least 32 characters').default(DEVELOPMENT_JWT_SECRET),
  GOVMESH_API_DB: z.string().min(1).optional(),
  /** Requests per caller per minute. */
  GOVMESH_API_RATE_LIMIT: z.coerce.number().int().min(1).default(600),
  GOVMESH_CASE_TASK_QUEUE: z.string().min(1).default('govmesh-cases'),
  /** The brokers partners are told at onboarding, when they reach Kafka by other addresses than the API does. */
  GOVMESH_PARTNER_KAFKA_BROKERS: z
    .string()
    .transform((s) => s.split(',').map((b) => b.trim()))
    .pipe(z.array(z.string().regex(/^[^\s:]+:\d+$/, 'each broker must be host:port')).min(1))
    .optional(),
});

export type ApiConfig = z.infer<typeof ApiEnv> & { readonly ledgerFile: string; readonly signingKeyFile: string; readonly platformDb: string };

export function loadConfig(env: Record<string, string | undefined> = process.env): ApiConfig {
  const api = loadProcessConfig('api', ApiEnv, env);
  const where = loadProcessConfig('api', LedgerLocationEnv, env);
  return { ...api, ledgerFile: where.ledgerFile, signingKeyFile: where.signingKeyFile, platformDb: api.GOVMESH_API_DB ?? join(where.dataDir, 'api', 'platform.sqlite') };
}
