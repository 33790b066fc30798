import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { engineUp, infraDown, platformCredentials, type InfraConfig } from '@govmesh/infra';
import { ScramUsers, newSecret, type KafkaCredentials, type PlatformComponent } from '@govmesh/messaging';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { privateKafkaConfig, signInAs } from './engines.js';

const connects = (config: InfraConfig, credentials: KafkaCredentials) => signInAs(config.kafka.brokers, credentials);

// Restarts a broker of its own, so it runs only where govmesh starts its brokers.
describe.runIf(inject('infra').kafka.mode === 'embedded')('a broker restarted after partners came and went', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'govmesh-restart-kafka-'));
  let config: InfraConfig;

  beforeAll(async () => {
    config = await privateKafkaConfig(dataDir);
    await engineUp(config, 'kafka');
  }, 120_000);

  afterAll(async () => {
    await infraDown(config, undefined, ['kafka']);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("keeps every principal's credentials, and the revoked ones stay revoked", async () => {
    const users = new ScramUsers([...config.kafka.brokers], platformCredentials(config, 'api'));
    const staying: KafkaCredentials = {
      mechanism: 'scram-sha-512',
      username: 'partner-staying',
      password: newSecret(),
    };
    await users.upsert(staying.username, staying.password);
    // Ten partners onboarded and terminated: deleting their users this way once made Kafka 4.4
    // forget every SCRAM user on the next restart, the admin's included.
    const gone: KafkaCredentials[] = [];
    for (let n = 0; n < 10; n += 1) {
      const partner: KafkaCredentials = {
        mechanism: 'scram-sha-512',
        username: `partner-gone-${n}`,
        password: newSecret(),
      };
      await users.upsert(partner.username, partner.password);
      await users.revoke(partner.username);
      gone.push(partner);
    }

    await infraDown(config, undefined, ['kafka']);
    await engineUp(config, 'kafka');

    for (const component of ['admin', 'api', 'worker', 'bridge', 'audit'] as PlatformComponent[]) {
      expect(await connects(config, platformCredentials(config, component)), component).toBe('connected');
    }
    expect(await connects(config, staying)).toBe('connected');
    for (const partner of gone) expect(await connects(config, partner)).toMatch(/^KafkaJSSASLAuthenticationError/);
  }, 120_000);
});
