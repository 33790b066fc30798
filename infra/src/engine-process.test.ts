import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  isAlive,
  isPortFree,
  readPidRecord,
  runLogged,
  spawnEngine,
  stopEngine,
  writePidRecord,
  type PidRecord,
} from './engine-process.js';
import { EngineBuildError } from './errors.js';

describe('engine processes', () => {
  it('start detached, are recognised by their pid file, and stop on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'govmesh-proc-'));
    const logFile = join(dir, 'logs', 'sleeper.log');
    const pid = spawnEngine('sh', ['-c', 'echo sleeper-engine up; exec sleep 30'], {
      logFile,
      cwd: dir,
      env: { PATH: process.env.PATH },
    });
    const record: PidRecord = { engine: 'kafka', pid, address: 'x', logFile, startedAt: '', marker: 'sleep' };
    writePidRecord(dir, record);

    expect(readPidRecord(dir, 'kafka')).toEqual(record);
    await expect.poll(() => isAlive(record)).toBe(true);
    await expect.poll(() => readFileSync(logFile, 'utf8')).toContain('sleeper-engine up');
    expect(await stopEngine(record, 5_000)).toBe('stopped');
    expect(isAlive(record)).toBe(false);
  });

  it('never take a recycled pid for one of ours', () => {
    expect(isAlive({ pid: process.pid, marker: 'kafka.Kafka' })).toBe(false);
  });

  it('see a port another program holds', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    expect(await isPortFree(port)).toBe(false);
    await new Promise((resolve) => server.close(resolve));
    expect(await isPortFree(port)).toBe(true);
  });

  it('report a failed build step with the end of its log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'govmesh-proc-'));
    const logFile = join(dir, 'setup.log');
    const failure = runLogged('temporal', 'sh', ['-c', 'echo "go: module not found" >&2; exit 3'], {
      logFile,
      env: { PATH: process.env.PATH },
    });
    await expect(failure).rejects.toBeInstanceOf(EngineBuildError);
    await expect(failure).rejects.toThrow(/exited with code 3:[\s\S]*go: module not found/);
  });
});
