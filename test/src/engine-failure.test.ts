import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import {
  engineUp,
  infraDown,
  infraUp,
  loadInfraConfig,
  platformCredentials,
  readPidRecord,
  temporalCliPath,
  type EngineStatus,
  type InfraConfig,
} from '@govmesh/infra';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { assertEngineAnswers, kafkaClient, privateKafkaConfig, privateTemporalEnv, untilExited } from './engines.js';

// This kills a broker, so it runs only where govmesh starts its own: it must never touch an
// external cluster named by KAFKA_BROKERS.
describe.runIf(inject('infra').kafka.mode === 'embedded')('when Kafka dies during a run', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'govmesh-dying-kafka-'));
  let config: InfraConfig;
  let kafka: EngineStatus;

  beforeAll(async () => {
    // A private broker with its own ports and data, so the shared one stays up for the suite.
    config = await privateKafkaConfig(dataDir);
    kafka = await engineUp(config, 'kafka');
  }, 120_000);

  afterAll(async () => {
    await infraDown(config, undefined, ['kafka']);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('fails the work in flight quickly with an error that names the broker', async () => {
    // Its own broker has its own admin secret, in its own data folder.
    const admin = kafkaClient(
      'govmesh-e2e-dying',
      [...config.kafka.brokers],
      platformCredentials(config, 'admin'),
    ).admin();
    await admin.connect();
    await expect(admin.describeCluster()).resolves.toMatchObject({ brokers: [expect.anything()] });

    process.kill(kafka.pid ?? 0, 'SIGKILL');
    const started = Date.now();
    const error = await admin
      .createTopics({ topics: [{ topic: 'govmesh.e2e.after-death' }] })
      .catch((err: unknown) => err);
    // vitest prints `name: message`; kafkajs's message alone ("Connection error: …") may not say Kafka.
    expect(error).toBeInstanceOf(Error);
    expect(`${(error as Error).name}: ${(error as Error).message}`).toMatch(/^KafkaJS\w*Error: /);
    expect(Date.now() - started).toBeLessThan(30_000);
    await admin.disconnect();
  });

  it('then fails every further test by naming Kafka, its pid and its log', async () => {
    // Once it is gone: the test before can end within 60 ms of the kill, while the broker's port
    // still took connections (seen in CI).
    expect(await untilExited(kafka.pid ?? 0)).toBe(true);
    await expect(assertEngineAnswers(kafka)).rejects.toThrow(
      `Kafka at ${kafka.address} stopped answering during the suite (pid ${kafka.pid}, log ${kafka.logFile})`,
    );
  });
});

// The dev server can give up during its own start-up on a loaded machine with a long-lived
// database; govmesh starts it once more. The first start is made to exit the way that one did.
describe.runIf(inject('infra').temporal.mode === 'embedded')(
  'when the Temporal dev server exits while starting',
  () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'govmesh-restarted-temporal-'));
    const cacheDir = mkdtempSync(join(tmpdir(), 'govmesh-restarted-temporal-cache-'));
    let config: InfraConfig;

    afterAll(async () => {
      await infraDown(config, undefined, ['temporal']);
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(cacheDir, { recursive: true, force: true });
    });

    it('starts it once more, says so, and the second start serves', async () => {
      const { TEMPORAL_ADDRESS: _external, ...env } = process.env;
      const real = temporalCliPath(loadInfraConfig());
      config = loadInfraConfig({
        ...env,
        ...(await privateTemporalEnv(dataDir)),
        GOVMESH_CACHE_DIR: cacheDir,
      });
      const wrapper = temporalCliPath(config);
      const firstStart = join(cacheDir, 'first-start');
      mkdirSync(dirname(wrapper), { recursive: true });
      writeFileSync(
        wrapper,
        [
          '#!/bin/sh',
          `if [ ! -e '${firstStart}' ]; then`,
          `  touch '${firstStart}'`,
          '  echo "failed to start service worker: context deadline exceeded" >&2',
          '  exit 1',
          'fi',
          `exec '${real}' "$@"`,
          '',
        ].join('\n'),
        { mode: 0o755 },
      );
      const said: string[] = [];
      const temporal = await engineUp(config, 'temporal', (e) => said.push(e.message));
      expect(said).toContainEqual(expect.stringMatching(/^Temporal exited while starting; starting it once more/));
      expect(existsSync(firstStart)).toBe(true);
      await expect(assertEngineAnswers(temporal)).resolves.toBeUndefined();
    }, 120_000);
  },
);

// Each engine starts beside the others: one that cannot start must not leave the rest running.
describe.runIf(inject('infra').kafka.mode === 'embedded' && inject('infra').temporal.mode === 'embedded')(
  'when one engine cannot start',
  () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'govmesh-half-started-'));
    let config: InfraConfig;
    let holder: Server | undefined;

    afterAll(async () => {
      await new Promise((resolve) => (holder ? holder.close(resolve) : resolve(undefined)));
      if (config) await infraDown(config);
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('stops the engines that did start, says so, and names the one that failed', async () => {
      config = await privateKafkaConfig(dataDir, {
        ...(await privateTemporalEnv(dataDir)),
        TEMPORAL_ADDRESS: undefined,
      });
      // Another program holds the broker's port; Temporal starts beside it.
      holder = createServer();
      await new Promise<void>((resolve) => holder!.listen(config.kafka.port, '127.0.0.1', resolve));
      const said: string[] = [];
      const error = await infraUp(config, (e) => said.push(`[${e.engine}] ${e.message}`)).catch((err: unknown) => err);
      expect(error).toMatchObject({
        message: `Kafka cannot start: port ${config.kafka.port} on 127.0.0.1 is taken by another program`,
      });
      const temporal = said.find((line) => line.startsWith('[temporal] started Temporal dev server (pid'));
      const pid = Number(/\(pid (\d+)\)/.exec(temporal ?? '')?.[1]);
      expect(pid).toBeGreaterThan(0);
      expect(said).toContain(`[temporal] Temporal (pid ${pid}) stopped`);
      expect(await untilExited(pid)).toBe(true);
      expect(readPidRecord(config.dataDir, 'temporal')).toBeUndefined();
    }, 120_000);
  },
);

// A process started that never became ready within GOVMESH_READY_TIMEOUT_MS: it is this start's,
// and stopped again, not left holding its ports while govmesh reports the failure.
describe.runIf(inject('infra').kafka.mode === 'embedded')('when an engine it started never becomes ready', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'govmesh-never-ready-'));
  let config: InfraConfig;

  afterAll(async () => {
    if (config) await infraDown(config);
    rmSync(dataDir, { recursive: true, force: true });
  });

  // A JVM slow to take its users is the likely case; the dev server answers its first ask within
  // the second it starts, whatever the deadline.
  it('stops the broker it started, and reports why', async () => {
    // Ready within 1 ms: no broker is.
    config = await privateKafkaConfig(dataDir, { GOVMESH_READY_TIMEOUT_MS: '1' });
    const said: string[] = [];
    const error = await engineUp(config, 'kafka', (e) => said.push(`[${e.engine}] ${e.message}`)).catch(
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(Error);
    const started = said.find((line) => /^\[kafka\] started Kafka .*\(pid \d+\)/.test(line));
    const pid = Number(/\(pid (\d+)\)/.exec(started ?? '')?.[1]);
    expect(pid, said.join('\n')).toBeGreaterThan(0);
    expect(said).toContain(`[kafka] Kafka (pid ${pid}) stopped`);
    expect(await untilExited(pid)).toBe(true);
    expect(readPidRecord(config.dataDir, 'kafka')).toBeUndefined();
  }, 120_000);
});
