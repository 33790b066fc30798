import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import type { InfraConfig } from './config.js';
import { isAlive, isPortFree, sleep, spawnEngine, tailOf, writePidRecord, type PidRecord } from './engine-process.js';
import { EngineNotReadyError, PortInUseError } from './errors.js';
import type { Progress } from './progress.js';
import { fetchWithMaven } from './maven-fetch.js';
import { requireJava } from './toolchain.js';

const MARKER = 'zipkin-server';

function zipkinPaths(config: InfraConfig) {
  const home = join(config.cacheDir, 'zipkin', config.zipkin.version);
  return {
    home,
    jar: join(home, `zipkin-server-${config.zipkin.version}-exec.jar`),
    data: join(config.dataDir, 'zipkin'),
    logFile: join(config.dataDir, 'logs', 'zipkin.log'),
    setupLog: join(config.dataDir, 'logs', 'zipkin-setup.log'),
  };
}

/** Fetches Zipkin's server (one executable jar) through Maven once per version. */
export async function prepareZipkin(config: InfraConfig, progress: Progress): Promise<void> {
  const p = zipkinPaths(config);
  await requireJava(config.processEnv);
  if (existsSync(p.jar)) return;
  await fetchWithMaven(config, progress, {
    engine: 'zipkin',
    message: `fetching Zipkin ${config.zipkin.version} from Maven Central (first run only, ~130 MB)`,
    folder: p.home,
    logFile: p.setupLog,
    args: (staging) => [
      'dependency:copy',
      `-Dartifact=io.zipkin:zipkin-server:${config.zipkin.version}:jar:exec`,
      `-DoutputDirectory=${staging}`,
    ],
  });
}

/**
 * Zipkin's server on loopback only, keeping spans in memory (a laptop's viewer, not an archive:
 * it forgets them when stopped). Services send spans to its JSON v2 API; people browse its UI.
 */
export async function startZipkin(config: InfraConfig, progress: Progress): Promise<PidRecord> {
  const p = zipkinPaths(config);
  const { port } = config.zipkin;
  if (!(await isPortFree(port))) throw new PortInUseError('zipkin', port, 'GOVMESH_ZIPKIN_PORT');
  mkdirSync(p.data, { recursive: true });
  const pid = spawnEngine(
    'java',
    [
      '-Xms64m',
      '-Xmx384m',
      '-jar',
      p.jar,
      `--armeria.ports[0].port=${port}`,
      '--armeria.ports[0].ip=127.0.0.1',
      '--armeria.ports[0].protocols=http',
    ],
    {
      logFile: p.logFile,
      cwd: p.data,
      // The newest 100,000 spans (about 1,500 demo cases) stay; older ones make room.
      env: { ...config.processEnv, STORAGE_TYPE: 'mem', MEM_MAX_SPANS: '100000' },
    },
  );
  const record: PidRecord = {
    engine: 'zipkin',
    pid,
    address: `127.0.0.1:${port}`,
    logFile: p.logFile,
    startedAt: new Date().toISOString(),
    marker: MARKER,
  };
  writePidRecord(config.dataDir, record);
  progress({ engine: 'zipkin', message: `started Zipkin ${config.zipkin.version} (pid ${pid}), log in ${p.logFile}` });
  return record;
}

/** Waits until Zipkin says it is UP; fails at once with its log's end if it exits. */
export async function waitForZipkin(config: InfraConfig, process?: PidRecord): Promise<void> {
  const health = `http://127.0.0.1:${config.zipkin.port}/health`;
  const deadline = Date.now() + config.readyTimeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (process && !isAlive(process))
      throw new EngineNotReadyError(
        'zipkin',
        health,
        `Zipkin exited while starting:\n${tailOf(process.logFile, 20)}`,
        `see ${process.logFile}`,
      );
    try {
      const answer = await fetch(health, { signal: AbortSignal.timeout(2_000) });
      if (answer.ok && ((await answer.json()) as { status?: string }).status === 'UP') return;
      last = new Error(`health answered ${answer.status}`);
    } catch (err) {
      last = err;
    }
    await sleep(500);
  }
  throw new EngineNotReadyError(
    'zipkin',
    health,
    `Zipkin at ${health} was not UP within ${Math.round(config.readyTimeoutMs / 1000)} s` +
      (last instanceof Error ? ` (last error: ${last.message})` : ''),
    process ? `see ${process.logFile}` : 'set GOVMESH_ZIPKIN_PORT to a free port',
    last,
  );
}
