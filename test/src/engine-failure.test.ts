import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  engineUp,
  infraDown,
  loadInfraConfig,
  platformCredentials,
  type EngineStatus,
  type InfraConfig,
} from '@govmesh/infra';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { assertEngineAnswers, freePort, kafkaClient } from './engines.js';

// This kills a broker, so it runs only where govmesh starts its own: it must never touch an
// external cluster named by KAFKA_BROKERS.
describe.runIf(inject('infra').kafka.mode === 'embedded')('when Kafka dies during a run', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'govmesh-dying-kafka-'));
  let config: InfraConfig;
  let kafka: EngineStatus;

  beforeAll(async () => {
    // A private broker with its own ports and data, so the shared one stays up for the suite.
    const { KAFKA_BROKERS: _external, ...env } = process.env;
    config = loadInfraConfig({
      ...env,
      GOVMESH_DATA_DIR: dataDir,
      GOVMESH_KAFKA_PORT: String(await freePort()),
      GOVMESH_KAFKA_CONTROLLER_PORT: String(await freePort()),
      GOVMESH_KAFKA_HEAP: '256m',
    });
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
    await expect(assertEngineAnswers(kafka)).rejects.toThrow(
      `Kafka at ${kafka.address} stopped answering during the suite (pid ${kafka.pid}, log ${kafka.logFile})`,
    );
  });
});
