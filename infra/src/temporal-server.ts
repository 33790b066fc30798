import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Connection } from '@temporalio/client';
import Long from 'long';
import pg from 'pg';
import { stringify } from 'yaml';

import type { InfraConfig } from './config.js';
import { isPortFree, runLogged, spawnEngine, writePidRecord, type PidRecord } from './engine-process.js';
import { PortInUseError } from './errors.js';
import { databaseUrl } from './postgres.js';
import { withHeartbeat, type Progress } from './progress.js';
import { goInstallEnv } from './temporal.js';
import { requireGo } from './toolchain.js';

/**
 * Temporal's own server (`go.temporal.io/server/cmd/server`) on PostgreSQL: the same frontend
 * port as the dev server, so nothing else changes for govmesh's services, but history on several
 * shards in a database an operator can back up, replicate and size. Its schema is set up with
 * Temporal's `temporal-sql-tool` from the schemas embedded in it.
 */
const MARKER = 'temporal-server';
const PERSISTENCE_DB = 'govmesh_temporal';
const VISIBILITY_DB = 'govmesh_temporal_visibility';
/** How long closed workflows stay visible in the namespace the server registers. */
const RETENTION_DAYS = 7;

export function temporalServerPaths(config: InfraConfig) {
  const bin = join(config.cacheDir, MARKER, config.temporal.serverVersion);
  const home = join(config.dataDir, MARKER);
  return {
    bin,
    server: join(bin, 'server'),
    sqlTool: join(bin, 'sql'),
    home,
    configDir: join(home, 'config'),
    logFile: join(config.dataDir, 'logs', 'temporal.log'),
    setupLog: join(config.dataDir, 'logs', 'temporal-setup.log'),
  };
}

/** Builds the server and `temporal-sql-tool` of the configured version once (~3 min on 2 cores). */
export async function prepareTemporalServer(config: InfraConfig, progress: Progress): Promise<void> {
  const p = temporalServerPaths(config);
  if (existsSync(p.server) && existsSync(p.sqlTool)) return;
  await requireGo(config.processEnv);
  const version = config.temporal.serverVersion;
  await withHeartbeat(
    progress,
    'temporal',
    `building the Temporal server ${version} and temporal-sql-tool with Go (first run only, ~3 min on 2 cores)`,
    () =>
      runLogged(
        'temporal',
        'go',
        ['install', `go.temporal.io/server/cmd/server@v${version}`, `go.temporal.io/server/cmd/tools/sql@v${version}`],
        { logFile: p.setupLog, env: goInstallEnv(config, p.bin) },
      ),
  );
}

/** The PostgreSQL the server keeps its state on: govmesh's (GOVMESH_DATABASE_URL or the embedded one). */
function database(config: InfraConfig) {
  const url = new URL(databaseUrl(config));
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
}

/**
 * Creates the two databases if missing and brings their schemas to this server's version with
 * temporal-sql-tool (idempotent: a second run only checks the version).
 */
export async function setupTemporalSchema(config: InfraConfig, progress: Progress): Promise<void> {
  const p = temporalServerPaths(config);
  const db = database(config);
  const tool = (dbName: string, args: string[]) =>
    runLogged(
      'temporal',
      p.sqlTool,
      [
        '--plugin',
        'postgres12',
        '--endpoint',
        db.host,
        '--port',
        String(db.port),
        '--user',
        db.user,
        '--database',
        dbName,
        ...args,
      ],
      // The password goes by the environment, not the command line (which `ps` shows).
      { logFile: p.setupLog, env: { ...config.processEnv, SQL_PASSWORD: db.password } },
    );
  for (const [dbName, schema] of [
    [PERSISTENCE_DB, 'postgresql/v12/temporal'],
    [VISIBILITY_DB, 'postgresql/v12/visibility'],
  ] as const) {
    const fresh = await createDatabaseIfMissing(db, dbName);
    if (fresh) {
      progress({ engine: 'temporal', message: `setting up Temporal's schema in ${dbName}` });
      await tool(dbName, ['setup-schema', '--version', '0.0']);
    }
    await tool(dbName, ['update-schema', '--schema-name', schema]);
  }
}

/** True when it made the database (so its schema's versioning is still to set up). */
async function createDatabaseIfMissing(db: ReturnType<typeof database>, name: string): Promise<boolean> {
  const client = new pg.Client({ ...db, database: 'postgres', connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) {
      // A database left by a run that stopped between creating it and setting up versioning.
      const probe = new pg.Client({ ...db, database: name, connectionTimeoutMillis: 5_000 });
      await probe.connect();
      try {
        const { rows } = await probe.query<{ t: string | null }>("SELECT to_regclass('schema_version') AS t");
        return rows[0]?.t === null;
      } finally {
        await probe.end();
      }
    }
    await client.query(`CREATE DATABASE ${name}`);
    return true;
  } finally {
    await client.end();
  }
}

/**
 * Ports: the frontend on GOVMESH_TEMPORAL_PORT (as the dev server), its HTTP API and metrics on
 * theirs; history, matching and worker on the three above it, and each service's membership
 * (ringpop) port four above its gRPC port.
 */
export function temporalServerPorts(config: InfraConfig) {
  const t = config.temporal;
  const grpc = { frontend: t.port, history: t.port + 1, matching: t.port + 2, worker: t.port + 3 };
  return {
    grpc,
    membership: {
      frontend: t.port + 4,
      history: t.port + 5,
      matching: t.port + 6,
      worker: t.port + 7,
    },
    http: t.httpPort,
    metrics: t.metricsPort,
  };
}

/** The server's configuration, as Temporal's `config/development.yaml` reads it. */
export function temporalServerConfig(config: InfraConfig): Record<string, unknown> {
  const db = database(config);
  const ports = temporalServerPorts(config);
  const sql = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${db.host}:${db.port}`,
      connectProtocol: 'tcp',
      user: db.user,
      password: db.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const service = (name: keyof typeof ports.grpc) => ({
    rpc: {
      grpcPort: ports.grpc[name],
      membershipPort: ports.membership[name],
      bindOnLocalHost: true,
      ...(name === 'frontend' ? { httpPort: ports.http } : {}),
    },
  });
  return {
    log: { stdout: true, level: 'warn', format: 'json' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: config.temporal.historyShards,
      datastores: { default: sql(PERSISTENCE_DB, 20), visibility: sql(VISIBILITY_DB, 10) },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      metrics: {
        prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `127.0.0.1:${ports.metrics}` },
      },
    },
    services: {
      frontend: service('frontend'),
      history: service('history'),
      matching: service('matching'),
      worker: service('worker'),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: config.temporal.address },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: join(temporalServerPaths(config).configDir, 'dynamic.yaml'), pollInterval: '60s' },
  };
}

/** What the dev server sets and the server's defaults leave off: long ids, and update-with-start. */
const DYNAMIC_CONFIG = {
  'limit.maxIDLength': [{ value: 255, constraints: {} }],
  'frontend.enableExecuteMultiOperation': [{ value: true }],
};

export async function startTemporalServer(config: InfraConfig, progress: Progress): Promise<PidRecord> {
  const p = temporalServerPaths(config);
  const ports = temporalServerPorts(config);
  for (const [port, variable] of [
    ...Object.values(ports.grpc).map((port) => [port, 'GOVMESH_TEMPORAL_PORT (and the seven above it)'] as const),
    ...Object.values(ports.membership).map((port) => [port, 'GOVMESH_TEMPORAL_PORT (and the seven above it)'] as const),
    [ports.http, 'GOVMESH_TEMPORAL_HTTP_PORT'] as const,
    [ports.metrics, 'GOVMESH_TEMPORAL_METRICS_PORT'] as const,
  ]) {
    if (!(await isPortFree(port))) throw new PortInUseError('temporal', port, variable);
  }
  mkdirSync(p.configDir, { recursive: true });
  // Mode 0600: it holds the database password.
  writeFileSync(join(p.configDir, 'development.yaml'), stringify(temporalServerConfig(config)), { mode: 0o600 });
  writeFileSync(join(p.configDir, 'dynamic.yaml'), stringify(DYNAMIC_CONFIG));
  const pid = spawnEngine(
    p.server,
    ['--root', p.home, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start'],
    { logFile: p.logFile, cwd: p.home, env: config.processEnv },
  );
  const record: PidRecord = {
    engine: 'temporal',
    pid,
    address: config.temporal.address,
    logFile: p.logFile,
    startedAt: new Date().toISOString(),
    marker: MARKER,
  };
  writePidRecord(config.dataDir, record);
  progress({
    engine: 'temporal',
    message: `started Temporal server ${config.temporal.serverVersion} on PostgreSQL with ${config.temporal.historyShards} history shards (pid ${pid}), log in ${p.logFile}`,
  });
  return record;
}

/**
 * Registers the namespace if it is missing (the dev server makes its own; a server makes none),
 * asked of a frontend that answers; `waitForTemporal` asks it until it does.
 */
export async function describeOrRegisterNamespace(connection: Connection, namespace: string): Promise<void> {
  const service = connection.workflowService;
  const known = await service.describeNamespace({ namespace }).then(
    () => true,
    (err: { code?: number }) => {
      if (err.code === 5) return false; // NOT_FOUND
      throw err;
    },
  );
  if (known) return;
  await service
    .registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(RETENTION_DAYS * 24 * 3600) },
    })
    .catch((err: { code?: number }) => {
      if (err.code !== 6) throw err; // ALREADY_EXISTS: another `up` won the race
    });
}
