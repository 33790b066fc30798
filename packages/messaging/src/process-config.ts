import { homedir } from 'node:os';
import { join } from 'node:path';

import { z } from 'zod';

import { TracingEnvShape } from '@govmesh/telemetry';

import { KafkaSecurityEnvShape } from './kafka-security.js';

/**
 * The variables every govmesh process reads to reach the engines, with defaults that match the
 * embedded ones `govmesh infra up` starts. A process extends this with its own.
 */
/** `host:port,host:port`: a list of Kafka brokers, as every variable that names brokers spells it. */
export const BrokerList = z
  .string()
  .trim()
  .min(1)
  .transform((raw) =>
    raw
      .split(',')
      .map((b) => b.trim())
      .filter((b) => b.length > 0),
  )
  .pipe(z.array(z.string().regex(/^[^\s:]+:\d+$/, 'each broker must be host:port')).min(1));

export const PlatformEnv = z.object({
  KAFKA_BROKERS: z.string().default('127.0.0.1:19092').pipe(BrokerList),
  // Each process proves who it is; `govmesh up` passes each its own principal.
  ...KafkaSecurityEnvShape,
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d+$/, 'must be host:port')
    .default('127.0.0.1:17233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  /** Where the services without an HTTP API of their own serve `/metrics`; loopback unless set. */
  GOVMESH_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  // Where spans go: OpenTelemetry's standard variables (OTLP over HTTP, Zipkin); nowhere by default.
  ...TracingEnvShape,
  /**
   * The keys that encrypt case data before it reaches Temporal: the keyring's JSON (from a secret
   * store), or a file holding it; by default `<data folder>/secrets/case-keys.json`, made on first use.
   * Every process that talks to Temporal (API, worker, bridge) must hold the same keys.
   */
  GOVMESH_CASE_KEYS: z.string().min(1).optional(),
  GOVMESH_CASE_KEYS_FILE: z.string().min(1).optional(),
});

/** Where a process finds the case data keys (see GOVMESH_CASE_KEYS): the one place that says so. */
export function caseKeysSource(
  config: { readonly GOVMESH_CASE_KEYS?: string | undefined; readonly GOVMESH_CASE_KEYS_FILE?: string | undefined },
  dataDir: string,
): { readonly json?: string; readonly file: string } {
  return {
    ...(config.GOVMESH_CASE_KEYS ? { json: config.GOVMESH_CASE_KEYS } : {}),
    file: config.GOVMESH_CASE_KEYS_FILE ?? join(dataDir, 'secrets', 'case-keys.json'),
  };
}

/** Parses a process's configuration once; on a bad value prints every problem and exits 1. */
export function loadProcessConfig<S extends z.ZodType>(
  process_: string,
  schema: S,
  env: Record<string, string | undefined>,
): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    process.stderr.write(`govmesh ${process_}: invalid configuration\n${z.prettifyError(parsed.error)}\n`);
    process.exit(1);
  }
  if ((env.KAFKA_SASL_USERNAME === undefined) !== (env.KAFKA_SASL_PASSWORD === undefined)) {
    process.stderr.write(
      `govmesh ${process_}: invalid configuration\n✖ set KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD together, or neither\n`,
    );
    process.exit(1);
  }
  return parsed.data;
}

/**
 * Where each govmesh process listens on a laptop, unless its variable says otherwise: one list,
 * so that no two share a port (`npm start` once failed when the web pages and the worker's SDK
 * metrics both took 17284).
 */
export const DEFAULT_PORTS = {
  /** GOVMESH_API_PORT */
  api: 17_280,
  /** GOVMESH_AUDIT_URL's port */
  audit: 17_281,
  /** GOVMESH_WORKER_METRICS_PORT */
  workerMetrics: 17_282,
  /** GOVMESH_BRIDGE_METRICS_PORT */
  bridgeMetrics: 17_283,
  /** GOVMESH_WEB_PORT: the citizen portal and the other pages */
  web: 17_284,
  /** GOVMESH_WORKER_SDK_METRICS_PORT: the Temporal SDK core's own exporter */
  workerSdkMetrics: 17_285,
  /** GOVMESH_WEB_METRICS_PORT: the pages' metrics, apart from the public port */
  webMetrics: 17_286,
  /** GOVMESH_REGISTRY_PORT: the demo's enterprise registry service (market regulation's) */
  registry: 17_287,
} as const;

/** Where a process keeps its files on a laptop: `GOVMESH_DATA_DIR`, else the XDG state folder. */
export const DataDirEnv = z
  .object({
    HOME: z.string().optional(),
    XDG_STATE_HOME: z.string().optional(),
    GOVMESH_DATA_DIR: z.string().optional(),
  })
  .transform((e) => ({
    dataDir: e.GOVMESH_DATA_DIR ?? join(e.XDG_STATE_HOME ?? join(e.HOME ?? homedir(), '.local', 'state'), 'govmesh'),
  }));

/**
 * How a service reaches the audit ledger's read model (the audit service's HTTP API): its URL
 * and the shared secret it asks for. The audit service listens where the URL says.
 */
export const AuditReadModelEnv = z.object({
  GOVMESH_AUDIT_URL: z
    .url(`must be the audit service URL, e.g. http://127.0.0.1:${DEFAULT_PORTS.audit}`)
    .default(`http://127.0.0.1:${DEFAULT_PORTS.audit}`),
  /** Unset on a laptop: both sides use a secret made in the data folder on first use. */
  GOVMESH_AUDIT_READ_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
});
