import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DOMAIN_EVENTS } from '@govmesh/contracts/domain-events';
import { EVENTS_TOPIC } from '@govmesh/contracts/topics';
import {
  databaseUrl,
  engineUp,
  infraDown,
  infraStatus,
  isAlive,
  loadInfraConfigWith,
  platformCredentials,
  readPidRecord,
  watchEngines,
  type EngineWatch,
  type EngineWatchEvent,
  type InfraConfig,
} from '@govmesh/infra';
import { CloudEventPublisher, createKafka } from '@govmesh/messaging';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';

import {
  freePort,
  isolatedStackEnv,
  privateKafkaConfig,
  privateTemporalEnv,
  takePortOnceFree,
  untilExited,
} from './engines.js';
import { logger } from './platform.js';

const root = new URL('../..', import.meta.url).pathname;

/** The watch's events as they come, and a wait for the next one of a kind. */
function eventLog() {
  const events: EngineWatchEvent[] = [];
  return {
    events,
    onEvent: (e: EngineWatchEvent) => void events.push(e),
    async next(kind: EngineWatchEvent['kind'], after: number, timeoutMs = 90_000): Promise<EngineWatchEvent> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.slice(after).find((e) => e.kind === kind);
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(`no '${kind}' within ${timeoutMs} ms; events: ${JSON.stringify(events)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

// These kill engines of their own, never the suite's; they run where govmesh starts its engines.
describe.runIf(inject('infra').temporal.mode === 'embedded')('an engine that dies under the watch', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'govmesh-watched-temporal-'));
  let config: InfraConfig;
  let watch: EngineWatch | undefined;

  beforeAll(async () => {
    config = loadInfraConfigWith({ TEMPORAL_ADDRESS: undefined, ...(await privateTemporalEnv(dataDir)) });
  });

  afterEach(async () => {
    await watch?.stop();
  });

  afterAll(async () => {
    await infraDown(config, undefined, ['temporal']);
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A workflow nobody runs: it waits on the server, which must still know it after a restart. */
  async function startWaiting(address: string, prefix: string): Promise<string> {
    const connection = await Connection.connect({ address });
    try {
      const handle = await new Client({ connection, namespace: config.temporal.namespace }).workflow.start(
        'awaitsNobody',
        { taskQueue: 'nobody-polls-this', workflowId: `${prefix}-${Date.now()}` },
      );
      return handle.workflowId;
    } finally {
      await connection.close();
    }
  }

  async function statusOf(address: string, workflowId: string): Promise<string> {
    const connection = await Connection.connect({ address });
    try {
      const client = new Client({ connection, namespace: config.temporal.namespace });
      return (await client.workflow.getHandle(workflowId).describe()).status.name;
    } finally {
      await connection.close();
    }
  }

  it('is started again with its state, and given up once it exits too often', async () => {
    const temporal = await engineUp(config, 'temporal');
    const waiting = await startWaiting(temporal.address, 'watched');

    const log = eventLog();
    watch = watchEngines(config, { temporal }, { onEvent: log.onEvent, intervalMs: 200, maxRestarts: 1 });
    process.kill(temporal.pid!, 'SIGKILL');
    expect(await untilExited(temporal.pid!)).toBe(true);
    const lost = await log.next('lost', 0);
    expect(lost).toMatchObject({ engine: 'temporal' });
    expect(lost.message).toBe(`Temporal (pid ${temporal.pid}) exited; its log: ${temporal.logFile}`);
    const back = await log.next('restarted', 0);
    const again = readPidRecord(config.dataDir, 'temporal')!;
    expect(again.pid).not.toBe(temporal.pid);
    expect(back.message).toMatch(new RegExp(`^Temporal is running again \\(pid ${again.pid}\\), [\\d.]+ s after`));
    expect(await statusOf(temporal.address, waiting)).toBe('RUNNING');

    // Once more is once too often (maxRestarts 1): said, with a typed error, and left down.
    const seen = log.events.length;
    process.kill(again.pid, 'SIGKILL');
    const gaveUp = await log.next('gave-up', seen);
    expect(gaveUp.message).toBe('Temporal exited 2 times within 10 minutes; not starting it again');
    expect(gaveUp.kind === 'gave-up' && gaveUp.error).toMatchObject({
      code: 'INFRA.ENGINE_LOST',
      retriable: false,
      hint: `read why in ${temporal.logFile}, then start govmesh again`,
    });
    await new Promise((r) => setTimeout(r, 1_000));
    const after = readPidRecord(config.dataDir, 'temporal');
    expect(after === undefined || !isAlive(after)).toBe(true);
    expect(log.events.slice(seen).map((e) => e.kind)).toEqual(['lost', 'gave-up']);
  }, 120_000);

  it('that runs but stops answering is said, left running, and said again once it answers', async () => {
    const temporal = await engineUp(config, 'temporal');
    const log = eventLog();
    watch = watchEngines(
      config,
      { temporal },
      { onEvent: log.onEvent, intervalMs: 200, probeEveryMs: 500, silentAfterMs: 4_000 },
    );
    // A wedged server: its process is there and its port takes connections, but nothing answers.
    process.kill(temporal.pid!, 'SIGSTOP');
    try {
      const silent = await log.next('not-answering', 0, 60_000);
      expect(silent.message).toMatch(
        new RegExp(
          `^Temporal \\(pid ${temporal.pid}\\) runs but has not answered for \\d+ s; its log: ${temporal.logFile}\\. It is left running, as it may only be busy, and started again if it is still silent after 300 s \\(\`kill ${temporal.pid}\` does that now\\)$`,
        ),
      );
      // Said once, however long it stays silent; not taken for lost, not started again.
      await new Promise((r) => setTimeout(r, 3_000));
      expect(log.events.map((e) => e.kind)).toEqual(['not-answering']);
      expect(readPidRecord(config.dataDir, 'temporal')!.pid).toBe(temporal.pid);
      // `govmesh infra status` asks the same way: its process is there, and it does not answer.
      const status = await infraStatus(config);
      expect(status.temporal).toMatchObject({ state: 'unreachable', pid: temporal.pid });
    } finally {
      process.kill(temporal.pid!, 'SIGCONT');
    }
    const back = await log.next('answering', 0, 30_000);
    expect(back.message).toMatch(/^Temporal answers again, after \d+ s without an answer$/);
    expect(log.events.map((e) => e.kind)).toEqual(['not-answering', 'answering']);
    await infraDown(config, undefined, ['temporal']);
  }, 120_000);

  it('that stays silent far longer than a slow server would is stopped and started again, with its state', async () => {
    const temporal = await engineUp(config, 'temporal');
    const waiting = await startWaiting(temporal.address, 'wedged');
    const log = eventLog();
    watch = watchEngines(
      config,
      { temporal },
      { onEvent: log.onEvent, intervalMs: 200, probeEveryMs: 500, silentAfterMs: 3_000, restartSilentAfterMs: 8_000 },
    );
    process.kill(temporal.pid!, 'SIGSTOP'); // never let go: only the watch can end this
    try {
      const stopped = await log.next('stopped-silent', 0, 60_000);
      expect(stopped.message).toMatch(
        new RegExp(`^Temporal \\(pid ${temporal.pid}\\) has not answered for \\d+ s: stopped, to be started again$`),
      );
      await log.next('restarted', 0, 60_000);
    } finally {
      try {
        process.kill(temporal.pid!, 'SIGCONT'); // when the test failed before the watch stopped it
      } catch {
        // stopped by the watch, as it should be
      }
    }
    expect(log.events.map((e) => e.kind)).toEqual(['not-answering', 'stopped-silent', 'lost', 'restarted']);
    expect(await untilExited(temporal.pid!)).toBe(true);
    const again = readPidRecord(config.dataDir, 'temporal')!;
    expect(again.pid).not.toBe(temporal.pid);
    expect(await statusOf(temporal.address, waiting)).toBe('RUNNING');
    await infraDown(config, undefined, ['temporal']);
  }, 120_000);

  it('tries again at its next look when a start fails, the failed start counting as a restart', async () => {
    const temporal = await engineUp(config, 'temporal');
    const log = eventLog();
    watch = watchEngines(config, { temporal }, { onEvent: log.onEvent, intervalMs: 200, maxRestarts: 3 });
    // A stray program takes the server's port the moment it is free: the first start fails.
    process.kill(temporal.pid!, 'SIGKILL');
    const port = Number(temporal.address.split(':')[1]);
    const stray = await takePortOnceFree(port);
    const failed = await log.next('restart-failed', 0);
    expect(failed.message).toBe(
      `Temporal did not start again: Temporal cannot start: port ${port} on 127.0.0.1 is taken by another program`,
    );
    await new Promise((resolve) => stray.close(resolve));
    await log.next('restarted', 0);
    const kinds = log.events.map((e) => e.kind);
    // Each look that found it gone said so; the start after the stray let go served.
    expect(kinds.at(-1)).toBe('restarted');
    expect(kinds.filter((k) => k === 'restart-failed').length).toBeGreaterThanOrEqual(1);
    expect(kinds).not.toContain('gave-up');
    expect(isAlive(readPidRecord(config.dataDir, 'temporal')!)).toBe(true);
  }, 120_000);
});

describe.runIf(inject('infra').kafka.mode === 'embedded')('a broker that dies under the watch', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'govmesh-watched-kafka-'));
  let config: InfraConfig;
  let watch: EngineWatch | undefined;

  beforeAll(async () => {
    config = await privateKafkaConfig(dataDir);
  });

  afterAll(async () => {
    await watch?.stop();
    await infraDown(config, undefined, ['kafka']);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is started again with its users, ACLs and topics, and takes writes', async () => {
    const kafka = await engineUp(config, 'kafka');
    const log = eventLog();
    watch = watchEngines(config, { kafka }, { onEvent: log.onEvent, intervalMs: 200 });
    process.kill(kafka.pid!, 'SIGKILL');
    expect((await log.next('lost', 0)).message).toBe(`Kafka (pid ${kafka.pid}) exited; its log: ${kafka.logFile}`);
    await log.next('restarted', 0, 120_000);
    expect(log.events.map((e) => e.kind)).toEqual(['lost', 'restarted']);
    // The worker's own principal writes a domain event: its user and ACLs came back with the broker.
    const publisher = new CloudEventPublisher(
      createKafka({
        clientId: 'e2e-watched-kafka',
        brokers: config.kafka.brokers,
        logger,
        credentials: platformCredentials(config, 'worker'),
      }),
    );
    const caseId = `watched-${Date.now()}`;
    await expect(
      publisher.publish(EVENTS_TOPIC, caseId, {
        id: `${caseId}/case/0/caseSubmitted/1`,
        type: DOMAIN_EVENTS.caseSubmitted.type,
        source: '/govmesh/worker',
        subject: caseId,
        data: { correlationId: caseId, causationId: caseId, serviceId: 'watched', serviceVersion: 1 },
      }),
    ).resolves.toBeUndefined();
    await publisher.close();
  }, 180_000);

  it('that runs but stops answering is said once, left running, and said again once it answers', async () => {
    await watch?.stop();
    const broker = readPidRecord(config.dataDir, 'kafka')!;
    const kafka = { engine: 'kafka', mode: 'embedded', state: 'running', address: '', startedNow: true } as const;
    const log = eventLog();
    watch = watchEngines(
      config,
      { kafka },
      { onEvent: log.onEvent, intervalMs: 200, probeEveryMs: 500, silentAfterMs: 4_000 },
    );
    // A JVM that stops answering (as in a long collection): its port still takes connections.
    process.kill(broker.pid, 'SIGSTOP');
    try {
      const silent = await log.next('not-answering', 0, 60_000);
      expect(silent.message).toMatch(
        new RegExp(
          `^Kafka \\(pid ${broker.pid}\\) runs but has not answered for \\d+ s; its log: ${broker.logFile}\\. `,
        ),
      );
      await new Promise((r) => setTimeout(r, 3_000));
      expect(log.events.map((e) => e.kind)).toEqual(['not-answering']);
    } finally {
      process.kill(broker.pid, 'SIGCONT');
    }
    await log.next('answering', 0, 60_000);
    expect(log.events.map((e) => e.kind)).toEqual(['not-answering', 'answering']);
    expect(readPidRecord(config.dataDir, 'kafka')!.pid).toBe(broker.pid);
  }, 120_000);
});

describe.runIf(inject('infra').postgres?.mode === 'embedded')('a PostgreSQL that dies under the watch', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'govmesh-watched-postgres-'));
  let config: InfraConfig;

  afterAll(async () => {
    if (config) await infraDown(config, undefined, ['postgres']);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is started again with its data, and said when it stops answering', async () => {
    config = loadInfraConfigWith({
      GOVMESH_DATA_DIR: dataDir,
      GOVMESH_DATABASE_URL: undefined,
      GOVMESH_POSTGRES_PORT: String(await freePort()),
    });
    const postgres = await engineUp(config, 'postgres');
    const query = async (sql: string) => {
      const client = new pg.Client({ connectionString: databaseUrl(config) });
      await client.connect();
      try {
        return (await client.query<{ n: number }>(sql)).rows;
      } finally {
        await client.end();
      }
    };
    await query('CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)');
    const log = eventLog();
    const watch = watchEngines(
      config,
      { postgres },
      { onEvent: log.onEvent, intervalMs: 200, probeEveryMs: 500, silentAfterMs: 3_000 },
    );
    try {
      process.kill(postgres.pid!, 'SIGKILL');
      expect((await log.next('lost', 0)).message).toBe(
        `PostgreSQL (pid ${postgres.pid}) exited; its log: ${postgres.logFile}`,
      );
      await log.next('restarted', 0);
      expect(await query('SELECT n FROM kept')).toEqual([{ n: 42 }]);
      // Stopped rather than gone: said, and left running.
      const again = readPidRecord(config.dataDir, 'postgres')!;
      process.kill(again.pid, 'SIGSTOP');
      try {
        expect((await log.next('not-answering', 0, 60_000)).message).toMatch(
          new RegExp(`^PostgreSQL \\(pid ${again.pid}\\) runs but has not answered for \\d+ s`),
        );
      } finally {
        process.kill(again.pid, 'SIGCONT');
      }
      await log.next('answering', 0, 60_000);
      expect(log.events.map((e) => e.kind)).toEqual(['lost', 'restarted', 'not-answering', 'answering']);
    } finally {
      await watch.stop();
    }
  }, 120_000);
});

describe.runIf(inject('infra').temporal.mode === 'embedded')('`govmesh up` whose Temporal dies', () => {
  it('says so, starts it again, keeps serving, and stops it at Ctrl-C', async () => {
    const suffix = Math.random().toString(16).slice(2, 8);
    const dir = mkdtempSync(join(tmpdir(), 'govmesh-e2e-up-watch-'));
    // The suite's Kafka (external to this run, so not watched) and a Temporal of this run's own.
    const { TEMPORAL_ADDRESS: _temporal, ...stack } = await isolatedStackEnv(dir, 'up-watch', suffix);
    const { TEMPORAL_ADDRESS: _external, ...env } = process.env;
    const up = spawn(process.execPath, [join(root, 'services/cli/bin/govmesh.js'), 'up'], {
      cwd: root,
      env: { ...env, ...stack, ...(await privateTemporalEnv(dir)) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const exited = new Promise<number | null>((resolve) => up.once('exit', resolve));
    let said = '';
    for (const stream of [up.stdout, up.stderr]) stream.on('data', (chunk: Buffer) => (said += chunk.toString()));
    const until = async (what: RegExp, timeoutMs: number) => {
      for (const deadline = Date.now() + timeoutMs; !what.test(said); await new Promise((r) => setTimeout(r, 200)))
        if (Date.now() > deadline || up.exitCode !== null) throw new Error(`waited for ${what}:\n${said}`);
    };
    try {
      await until(/govmesh is serving/, 180_000);
      const first = readPidRecord(dir, 'temporal')!;
      process.kill(first.pid, 'SIGKILL');
      await until(/\[temporal\] Temporal is running again/, 60_000);
      expect(said).toMatch(
        new RegExp(`\\d\\d:\\d\\d:\\d\\d \\[temporal\\] ERROR Temporal \\(pid ${first.pid}\\) exited; its log: `),
      );
      const second = readPidRecord(dir, 'temporal')!;
      expect(second.pid).not.toBe(first.pid);
      // The API finds its engines again: ready, Temporal included.
      const readyz = `http://127.0.0.1:${stack.GOVMESH_API_PORT}/readyz`;
      await expect
        .poll(async () => (await fetch(readyz).catch(() => undefined))?.status, { timeout: 60_000, interval: 500 })
        .toBe(200);
      process.kill(-up.pid!, 'SIGINT');
      expect(await exited).toBe(0);
      // The restarted server is this run's: stopped with it.
      expect(isAlive(second)).toBe(false);
      expect(said).toContain('stopped: nothing of this run is left running');
    } finally {
      if (up.exitCode === null) process.kill(-up.pid!, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
