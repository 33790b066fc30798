import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  isAlive,
  isPortFree,
  readPidRecord,
  recordedNodes,
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

  it('take a process that is replacing its program (a wrapper that execs the engine) for alive', () => {
    const dir = mkdtempSync(join(tmpdir(), 'govmesh-proc-'));
    const wrapper = join(dir, 'engine-wrapper');
    // The engine it execs keeps the marker in its command line, as Temporal and Kafka do.
    writeFileSync(wrapper, `#!/bin/sh\nexec sh -c 'sleep 30; true' "$@"\n`, { mode: 0o755 });
    // Right after the spawn the wrapper execs: its command line reads empty for a moment then.
    for (let round = 0; round < 20; round += 1) {
      const pid = spawnEngine(wrapper, ['wrapped-engine-marker'], {
        logFile: join(dir, 'wrapper.log'),
        cwd: dir,
        env: { PATH: process.env.PATH },
      });
      const record = { pid, marker: 'wrapped-engine-marker' };
      const until = Date.now() + 15;
      const seenDead: number[] = [];
      while (Date.now() < until) if (!isAlive(record)) seenDead.push(round);
      process.kill(-pid, 'SIGKILL');
      expect(seenDead).toEqual([]);
    }
  });

  it('take a zombie (exited, not reaped by its parent) for gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'govmesh-proc-'));
    const logFile = join(dir, 'parent.log');
    // The background child exits at once; its parent execs sleep, which never reaps it.
    const parent = spawnEngine('sh', ['-c', 'true & echo "child $!"; exec sleep 30'], {
      logFile,
      cwd: dir,
      env: { PATH: process.env.PATH },
    });
    await expect.poll(() => readFileSync(logFile, 'utf8')).toMatch(/child \d+/);
    const zombie = Number(/child (\d+)/.exec(readFileSync(logFile, 'utf8'))?.[1]);
    // A zombie until reaped; on a loaded machine a reaper (init, after the parent) may be quicker.
    const state = () =>
      existsSync(`/proc/${zombie}/stat`) ? readFileSync(`/proc/${zombie}/stat`, 'utf8').split(') ')[1]?.[0] : 'gone';
    await expect.poll(state).toMatch(/^(Z|gone)$/);
    expect(isAlive({ pid: zombie, marker: 'sh' })).toBe(false);
    process.kill(-parent, 'SIGKILL');
  });

  it('take a process still tearing down its threads, its main thread gone, for alive: it still holds its ports', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'govmesh-proc-'));
    const logFile = join(dir, 'exiting.log');
    // The main thread exits (as a killed JVM's does first) while another, holding the listening
    // socket, lives on for a few seconds: the process is a zombie by its main thread's state.
    const script = [
      'import ctypes, socket, threading, time',
      "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()",
      'print(s.getsockname()[1], flush=True)',
      'threading.Thread(target=lambda: time.sleep(4)).start()',
      'ctypes.CDLL(None).pthread_exit(None)',
    ].join('\n');
    const pid = spawnEngine('python3', ['-c', script], { logFile, cwd: dir, env: { PATH: process.env.PATH } });
    await expect.poll(() => readFileSync(logFile, 'utf8')).toMatch(/^\d+\n/);
    const port = Number(readFileSync(logFile, 'utf8').trim());
    const leader = () => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    await expect.poll(leader).toBe('Z');
    expect(isAlive({ pid, marker: 'python3' })).toBe(true);
    expect(await isPortFree(port)).toBe(false);
    // Once its last thread is gone, so is the process, and its port is free.
    await expect.poll(() => isAlive({ pid, marker: 'python3' }), { timeout: 10_000 }).toBe(false);
    expect(await isPortFree(port)).toBe(true);
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

  it("name every node of an engine that has a pid file, and no other engine's", () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'govmesh-pid-files-'));
    expect(recordedNodes(dataDir, 'kafka')).toEqual([]);
    const record = (engine: PidRecord['engine'], node: number): PidRecord => ({
      engine,
      pid: 1,
      address: '',
      logFile: '',
      startedAt: '',
      marker: 'java',
      node,
    });
    // A folder that ran three brokers, now set to one, still has all three files.
    for (const node of [3, 1, 2]) writePidRecord(dataDir, record('kafka', node));
    writePidRecord(dataDir, record('temporal', 1));
    writePidRecord(dataDir, record('postgres', 1));
    writeFileSync(join(dataDir, 'run', 'kafka-setup.json'), '{}');
    expect(recordedNodes(dataDir, 'kafka')).toEqual([1, 2, 3]);
    expect(recordedNodes(dataDir, 'temporal')).toEqual([1]);
    expect(recordedNodes(dataDir, 'zipkin')).toEqual([]);
  });
});
