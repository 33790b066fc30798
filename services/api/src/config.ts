import { join } from 'node:path';

import {
  DEFAULT_PORTS,
  AuditReadModelEnv,
  BrokerList,
  DatabaseUrl,
  DataDirEnv,
  PlatformEnv,
  SchemaName,
  auditReadSecret,
  caseKeysSource,
  loadProcessConfig,
} from '@govmesh/messaging';
import { developmentIssuerKeyFile } from '@govmesh/tokens';
import { z } from 'zod';

const ApiEnv = PlatformEnv.extend({
  ...AuditReadModelEnv.shape,
  GOVMESH_API_HOST: z.string().min(1).default('127.0.0.1'),
  GOVMESH_API_PORT: z.coerce.number().int().min(1).max(65_535).default(DEFAULT_PORTS.api),
  /** The OpenID Connect issuer whose tokens the API accepts; unset: govmesh's development issuer (a laptop only). */
  GOVMESH_OIDC_ISSUER: z.url('must be the issuer URL, e.g. https://login.agency.gov/realms/govmesh').optional(),
  GOVMESH_OIDC_AUDIENCE: z.string().min(1).default('govmesh-api'),
  NODE_ENV: z.string().optional(),
  /** Production without NODE_ENV: refuse the development issuer. */
  GOVMESH_PRODUCTION: z.stringbool().default(false),
  GOVMESH_API_DB: z.string().min(1).optional(),
  /** The API's state on PostgreSQL (several API replicas, a managed database) instead of the SQLite file. */
  GOVMESH_DATABASE_URL: DatabaseUrl.optional(),
  /** The schema of the API's tables in that database. */
  GOVMESH_API_DB_SCHEMA: SchemaName.default('govmesh_api'),
  /** The public figures withhold any count from 1 to this minus one, so no one is identifiable. */
  GOVMESH_TRANSPARENCY_SMALL_COUNT: z.coerce.number().int().min(1).max(1000).default(5),
  /** Requests per caller per minute. */
  GOVMESH_API_RATE_LIMIT: z.coerce.number().int().min(1).default(600),
  GOVMESH_CASE_TASK_QUEUE: z.string().min(1).default('govmesh-cases'),
  /**
   * Browser origins (comma-separated) whose pages may call the codec endpoint: the Temporal UI's.
   * The laptop's dev server UI by default.
   */
  GOVMESH_CODEC_CORS_ORIGINS: z
    .string()
    .default('http://127.0.0.1:18233,http://localhost:18233')
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url('each origin is a URL, e.g. https://temporal-ui.agency.gov'))),
  /** How often closed cases past their service's retention are erased (seconds; hourly). */
  GOVMESH_RETENTION_SWEEP_SECONDS: z.coerce.number().int().min(1).max(86_400).default(3600),
  /** The brokers partners are told at onboarding, when they reach Kafka by other addresses than the API does. */
  GOVMESH_PARTNER_KAFKA_BROKERS: BrokerList.optional(),
});

export type ApiConfig = z.infer<typeof ApiEnv> & {
  /** The bearer secret of the audit read model (GOVMESH_AUDIT_READ_SECRET, or the data folder's). */
  readonly auditReadSecret: string;
  readonly platformDb: string;
  readonly developmentIssuerKeyFile: string;
  /** Where the case data keys are (GOVMESH_CASE_KEYS, GOVMESH_CASE_KEYS_FILE, or the data folder's). */
  readonly caseKeys: ReturnType<typeof caseKeysSource>;
};

export function loadConfig(env: Record<string, string | undefined> = process.env): ApiConfig {
  const api = loadProcessConfig('api', ApiEnv, env);
  const where = loadProcessConfig('api', DataDirEnv, env);
  // Production (NODE_ENV=production or GOVMESH_PRODUCTION=true) never runs the development issuer.
  if ((api.NODE_ENV === 'production' || api.GOVMESH_PRODUCTION) && !api.GOVMESH_OIDC_ISSUER) {
    process.stderr.write(
      'govmesh api: invalid configuration\n✖ in production the API needs an OpenID Connect issuer: set GOVMESH_OIDC_ISSUER (and GOVMESH_OIDC_AUDIENCE)\n  → at GOVMESH_OIDC_ISSUER\n',
    );
    process.exit(1);
  }
  return {
    ...api,
    auditReadSecret: auditReadSecret(api, where.dataDir),
    platformDb: api.GOVMESH_API_DB ?? join(where.dataDir, 'api', 'platform.sqlite'),
    developmentIssuerKeyFile: developmentIssuerKeyFile(where.dataDir),
    caseKeys: caseKeysSource(api, where.dataDir),
  };
}
