import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import type { Connection } from '@temporalio/client';

import type { InfraConfig } from './config.js';
import {
  isAlive,
  isPortFree,
  runLogged,
  sleep,
  spawnEngine,
  tailOf,
  writePidRecord,
  type PidRecord,
} from './engine-process.js';
import { EngineNotReadyError, PortInUseError } from './errors.js';
import { withHeartbeat, type Progress } from './progress.js';
import { requireGo } from './toolchain.js';

const MARKER = 'start-dev';

/** Where the Temporal CLI of the configured version is built; a second run builds nothing. */
export function temporalCliPath(config: InfraConfig): string {
  return join(config.cacheDir, 'temporal-cli', config.temporal.cliVersion, 'temporal');
}

export async function prepareTemporal(config: InfraConfig, progress: Progress): Promise<void> {
  const bin = temporalCliPath(config);
  if (existsSync(bin)) return;
  await requireGo(config.processEnv);
  await withHeartbeat(
    progress,
    'temporal',
    `building the Temporal CLI ${config.temporal.cliVersion} with Go (first run only, ~3 min on 2 cores)`,
    () =>
      runLogged(
        'temporal',
        'go',
        ['install', `github.com/temporalio/cli/cmd/temporal@v${config.temporal.cliVersion}`],
        {
          logFile: join(config.dataDir, 'logs', 'temporal-setup.log'),
          env: goInstallEnv(config, join(config.cacheDir, 'temporal-cli', config.temporal.cliVersion)),
        },
      ),
  );
}

/** `go install` into `gobin`, with govmesh's own module and build caches. */
export function goInstallEnv(config: InfraConfig, gobin: string): Record<string, string | undefined> {
  const goCache = join(config.cacheDir, 'go');
  return {
    ...config.processEnv,
    // What govmesh builds with Go (the Temporal CLI and server, promtool, Helm, compose-check)
    // needs no newer toolchain and no C compiler (the Temporal SQLite is pure Go).
    GOTOOLCHAIN: 'local',
    CGO_ENABLED: '0',
    GOBIN: gobin,
    GOMODCACHE: join(goCache, 'mod'),
    GOCACHE: join(goCache, 'build'),
    // a writable module cache can be deleted with rm -rf like any other cache
    GOFLAGS: '-modcacherw -buildvcs=false',
  };
}

export async function startTemporal(config: InfraConfig, progress: Progress): Promise<PidRecord> {
  const t = config.temporal;
  for (const [port, variable] of [
    [t.port, 'GOVMESH_TEMPORAL_PORT'],
    [t.uiPort, 'GOVMESH_TEMPORAL_UI_PORT'],
    [t.httpPort, 'GOVMESH_TEMPORAL_HTTP_PORT'],
    [t.metricsPort, 'GOVMESH_TEMPORAL_METRICS_PORT'],
  ] as const) {
    if (!(await isPortFree(port))) throw new PortInUseError('temporal', port, variable);
  }
  const dataDir = join(config.dataDir, 'temporal');
  mkdirSync(dataDir, { recursive: true });
  const logFile = join(config.dataDir, 'logs', 'temporal.log');
  const pid = spawnEngine(
    temporalCliPath(config),
    [
      'server',
      MARKER,
      '--ip',
      '127.0.0.1',
      '--port',
      String(t.port),
      '--ui-ip',
      '127.0.0.1',
      '--ui-port',
      String(t.uiPort),
      '--http-port',
      String(t.httpPort),
      '--metrics-port',
      String(t.metricsPort),
      '--db-filename',
      join(dataDir, 'temporal.sqlite'),
      '--sqlite-pragma',
      'journal_mode=wal',
      '--namespace',
      t.namespace,
      '--log-format',
      'json',
      '--log-level',
      'warn',
    ],
    { logFile, cwd: dataDir, env: config.processEnv },
  );
  const record: PidRecord = {
    engine: 'temporal',
    pid,
    address: t.address,
    logFile,
    startedAt: new Date().toISOString(),
    marker: MARKER,
  };
  writePidRecord(config.dataDir, record);
  progress({
    engine: 'temporal',
    message: `started Temporal dev server (pid ${pid}), UI on http://127.0.0.1:${t.uiPort}, log in ${logFile}`,
  });
  return record;
}

/**
 * Waits until the frontend answers DescribeNamespace for the configured namespace, or `ask` when
 * given (the server's: register the namespace if it is missing).
 */
export async function waitForTemporal(
  address: string,
  namespace: string,
  timeoutMs: number,
  process?: PidRecord,
  ask: (connection: Connection) => Promise<unknown> = (c) => c.workflowService.describeNamespace({ namespace }),
): Promise<void> {
  // Loaded here: the client's gRPC and protobuf cost every `govmesh` command a third of a second.
  const { Connection } = await import('@temporalio/client');
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (process && !isAlive(process)) {
      throw new EngineNotReadyError(
        'temporal',
        address,
        `Temporal exited while starting:\n${tailOf(process.logFile, 20)}`,
        `see ${process.logFile}`,
      );
    }
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 2_000 });
      await ask(connection);
      return;
    } catch (err) {
      last = err;
    } finally {
      await connection?.close().catch(() => undefined);
    }
    await sleep(500);
  }
  throw new EngineNotReadyError(
    'temporal',
    address,
    `Temporal at ${address} did not answer DescribeNamespace(${namespace}) within ${Math.round(timeoutMs / 1000)} s` +
      (last instanceof Error ? ` (last error: ${last.message})` : ''),
    process
      ? `see ${process.logFile}`
      : 'check TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE, or unset TEMPORAL_ADDRESS to let govmesh start an embedded Temporal',
    last,
  );
}
