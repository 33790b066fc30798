import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  BrokerList,
  DatabaseUrl,
  KafkaSecurityEnvShape,
  credentialsFromEnv,
  tlsFromEnv,
  type KafkaCredentials,
  type KafkaTls,
} from '@govmesh/messaging';
import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);

/**
 * Everything infra reads from the environment. Defaults keep clear of the ports a developer's own
 * Kafka (9092) and Temporal (7233, UI 8233) use, so govmesh can run beside them.
 */
const InfraEnv = z.object({
  HOME: z.string().optional(),
  XDG_CACHE_HOME: z.string().optional(),
  XDG_STATE_HOME: z.string().optional(),
  GOVMESH_CACHE_DIR: z.string().optional(),
  GOVMESH_DATA_DIR: z.string().optional(),
  KAFKA_BROKERS: BrokerList.optional(),
  // With KAFKA_BROKERS: the principal infra and `govmesh kafka acl apply` act as (an admin's).
  ...KafkaSecurityEnvShape,
  // The embedded broker's client listener takes TLS (SASL_SSL) when all three PEM files are given.
  GOVMESH_KAFKA_TLS_CERT_FILE: z.string().min(1).optional(),
  GOVMESH_KAFKA_TLS_KEY_FILE: z.string().min(1).optional(),
  GOVMESH_KAFKA_TLS_CA_FILE: z.string().min(1).optional(),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d+$/, 'must be host:port')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  GOVMESH_KAFKA_VERSION: z
    .string()
    .regex(/^\d+\.\d+\.\d+$/, 'must be a Kafka release such as 4.4.0')
    .default('4.4.0'),
  GOVMESH_KAFKA_PORT: port.default(19092),
  GOVMESH_KAFKA_CONTROLLER_PORT: port.default(19093),
  // 3: three combined brokers and controllers (replication factor 3, min.insync.replicas 2); each
  // next node takes the client and controller ports two above the one before.
  GOVMESH_KAFKA_NODES: z.coerce
    .number()
    .int()
    .refine((n) => n === 1 || n === 3, 'must be 1 or 3')
    .default(1),
  GOVMESH_KAFKA_HEAP: z
    .string()
    .regex(/^\d+[mMgG]$/, 'must be a JVM size such as 512m')
    .default('512m'),
  GOVMESH_TEMPORAL_CLI_VERSION: z
    .string()
    .regex(/^\d+\.\d+\.\d+$/)
    .default('1.5.1'),
  // `server`: Temporal's own server (built from the Go module proxy) on PostgreSQL, with several
  // history shards, instead of the single-process dev server on SQLite.
  GOVMESH_TEMPORAL_KIND: z.enum(['dev', 'server']).default('dev'),
  GOVMESH_TEMPORAL_SERVER_VERSION: z
    .string()
    .regex(/^\d+\.\d+\.\d+$/, 'must be a Temporal server release such as 1.29.1')
    .default('1.29.1'),
  // Fixed when the server's database is first made: Temporal refuses another count on it later.
  GOVMESH_TEMPORAL_SHARDS: z.coerce.number().int().min(1).max(16_384).default(4),
  GOVMESH_TEMPORAL_PORT: port.default(17233),
  GOVMESH_TEMPORAL_UI_PORT: port.default(18233),
  GOVMESH_TEMPORAL_HTTP_PORT: port.default(17243),
  GOVMESH_TEMPORAL_METRICS_PORT: port.default(17244),
  // The trace viewer `govmesh infra up --tracing` starts: Zipkin's server from Maven Central.
  GOVMESH_ZIPKIN_VERSION: z
    .string()
    .regex(/^\d+\.\d+\.\d+$/, 'must be a Zipkin release such as 3.5.1')
    .default('3.5.1'),
  GOVMESH_ZIPKIN_PORT: port.default(19411),
  // govmesh's own state on PostgreSQL: an existing database, else the server infra starts on loopback.
  GOVMESH_DATABASE_URL: DatabaseUrl.optional(),
  GOVMESH_POSTGRES_PORT: port.default(15432),
  GOVMESH_READY_TIMEOUT_MS: z.coerce.number().int().positive().default(120_000),
});

export interface InfraConfig {
  /** Downloads and builds, shared by every clone, keyed by version. */
  readonly cacheDir: string;
  /** Engine data, logs and pid files. */
  readonly dataDir: string;
  /** The environment that java, mvn, go and the engines run with. */
  readonly processEnv: Readonly<Record<string, string | undefined>>;
  readonly readyTimeoutMs: number;
  readonly kafka: {
    /** `external` when KAFKA_BROKERS names a cluster: then nothing is started. */
    readonly mode: 'embedded' | 'external';
    readonly brokers: readonly string[];
    readonly version: string;
    readonly port: number;
    readonly controllerPort: number;
    /** Embedded only: 1 combined broker and controller, or 3 (a quorum of three). */
    readonly nodes: 1 | 3;
    readonly heap: string;
    /** External only: the admin principal KAFKA_SASL_* names, if any. */
    readonly credentials?: KafkaCredentials | undefined;
    /** External: TLS as KAFKA_SSL_* says. Embedded: the CA of the broker's own certificate. */
    readonly clientTls?: KafkaTls | undefined;
    /** Embedded only: the PEM files of the client listener's TLS, when configured. */
    readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly caFile: string } | undefined;
  };
  readonly zipkin: {
    readonly version: string;
    readonly port: number;
    /** Where services send spans (Zipkin's JSON v2 API) and where people look at them. */
    readonly spansUrl: string;
    readonly uiUrl: string;
  };
  readonly postgres: {
    /** `external` when GOVMESH_DATABASE_URL names a database: then nothing is started. */
    readonly mode: 'embedded' | 'external';
    /** External only: the URL as given (the embedded one is made from the port and its secret). */
    readonly url: string;
    readonly port: number;
  };
  readonly temporal: {
    readonly mode: 'embedded' | 'external';
    readonly address: string;
    readonly namespace: string;
    readonly cliVersion: string;
    /** `dev`: the CLI's dev server on SQLite; `server`: Temporal's server on PostgreSQL. */
    readonly kind: 'dev' | 'server';
    readonly serverVersion: string;
    readonly historyShards: number;
    readonly port: number;
    readonly uiPort: number;
    readonly httpPort: number;
    readonly metricsPort: number;
  };
}

export class InfraConfigError extends Error {
  readonly code = 'INFRA.CONFIG_INVALID';
  readonly retriable = false;

  constructor(readonly issues: readonly string[]) {
    super(`invalid infra configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'InfraConfigError';
  }
}

/** TLS settings: the embedded listener's files (all three, or none), or the external cluster's KAFKA_SSL_*. */
function kafkaTlsOf(e: z.infer<typeof InfraEnv>): {
  tls?: { certFile: string; keyFile: string; caFile: string };
  clientTls?: KafkaTls;
} {
  if (e.KAFKA_BROKERS) return { clientTls: tlsFromEnv(e) };
  const files = [e.GOVMESH_KAFKA_TLS_CERT_FILE, e.GOVMESH_KAFKA_TLS_KEY_FILE, e.GOVMESH_KAFKA_TLS_CA_FILE];
  if (files.every((f) => f === undefined)) return {};
  const [certFile, keyFile, caFile] = files;
  if (!certFile || !keyFile || !caFile) {
    throw new InfraConfigError([
      'GOVMESH_KAFKA_TLS_CERT_FILE, GOVMESH_KAFKA_TLS_KEY_FILE, GOVMESH_KAFKA_TLS_CA_FILE: set all three (PEM), or none',
    ]);
  }
  return { tls: { certFile, keyFile, caFile }, clientTls: tlsFromEnv({ KAFKA_SSL: true, KAFKA_SSL_CA_FILE: caFile }) };
}

/**
 * The configuration from this process's environment with `overrides` on top (`undefined` unsets
 * one): `infra up --brokers 3`, and the tests' engines of their own.
 */
export function loadInfraConfigWith(overrides: Record<string, string | undefined>): InfraConfig {
  return loadInfraConfig({ ...process.env, ...overrides });
}

export function loadInfraConfig(env: Record<string, string | undefined> = process.env): InfraConfig {
  const parsed = InfraEnv.safeParse(env);
  if (!parsed.success) {
    throw new InfraConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  // Temporal's SQL schema keeps each service's membership port as a smallint.
  if (e.GOVMESH_TEMPORAL_KIND === 'server' && e.GOVMESH_TEMPORAL_PORT + 7 > 32_767) {
    throw new InfraConfigError([
      `GOVMESH_TEMPORAL_PORT: Temporal's server uses it and the seven ports above it, and stores them as a smallint: must be at most 32760 with GOVMESH_TEMPORAL_KIND=server (got ${e.GOVMESH_TEMPORAL_PORT})`,
    ]);
  }
  const home = e.HOME ?? homedir();
  const cacheDir = e.GOVMESH_CACHE_DIR ?? join(e.XDG_CACHE_HOME ?? join(home, '.cache'), 'govmesh');
  const dataDir = e.GOVMESH_DATA_DIR ?? join(e.XDG_STATE_HOME ?? join(home, '.local', 'state'), 'govmesh');
  return {
    cacheDir,
    dataDir,
    processEnv: env,
    readyTimeoutMs: e.GOVMESH_READY_TIMEOUT_MS,
    kafka: {
      mode: e.KAFKA_BROKERS ? 'external' : 'embedded',
      brokers:
        e.KAFKA_BROKERS ??
        Array.from({ length: e.GOVMESH_KAFKA_NODES }, (_, i) => `127.0.0.1:${e.GOVMESH_KAFKA_PORT + 2 * i}`),
      version: e.GOVMESH_KAFKA_VERSION,
      port: e.GOVMESH_KAFKA_PORT,
      controllerPort: e.GOVMESH_KAFKA_CONTROLLER_PORT,
      nodes: e.GOVMESH_KAFKA_NODES,
      heap: e.GOVMESH_KAFKA_HEAP,
      credentials: credentialsFromEnv(e),
      ...kafkaTlsOf(e),
    },
    zipkin: {
      version: e.GOVMESH_ZIPKIN_VERSION,
      port: e.GOVMESH_ZIPKIN_PORT,
      spansUrl: `http://127.0.0.1:${e.GOVMESH_ZIPKIN_PORT}/api/v2/spans`,
      uiUrl: `http://127.0.0.1:${e.GOVMESH_ZIPKIN_PORT}/zipkin/`,
    },
    postgres: {
      mode: e.GOVMESH_DATABASE_URL ? 'external' : 'embedded',
      url: e.GOVMESH_DATABASE_URL ?? '',
      port: e.GOVMESH_POSTGRES_PORT,
    },
    temporal: {
      mode: e.TEMPORAL_ADDRESS ? 'external' : 'embedded',
      address: e.TEMPORAL_ADDRESS ?? `127.0.0.1:${e.GOVMESH_TEMPORAL_PORT}`,
      namespace: e.TEMPORAL_NAMESPACE,
      cliVersion: e.GOVMESH_TEMPORAL_CLI_VERSION,
      kind: e.GOVMESH_TEMPORAL_KIND,
      serverVersion: e.GOVMESH_TEMPORAL_SERVER_VERSION,
      historyShards: e.GOVMESH_TEMPORAL_SHARDS,
      port: e.GOVMESH_TEMPORAL_PORT,
      uiPort: e.GOVMESH_TEMPORAL_UI_PORT,
      httpPort: e.GOVMESH_TEMPORAL_HTTP_PORT,
      metricsPort: e.GOVMESH_TEMPORAL_METRICS_PORT,
    },
  };
}
