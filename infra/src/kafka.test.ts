import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { InfraConfigError, loadInfraConfig } from './config.js';
import { isPortFree } from './engine-process.js';
import { EngineNotReadyError, KafkaLayoutChanged } from './errors.js';
import { assertKafkaLayout, kafkaNodes, kafkaProperties, waitForKafka } from './kafka.js';

describe('embedded Kafka', () => {
  it('runs one combined broker and controller on loopback only', () => {
    const config = loadInfraConfig({ HOME: '/h', GOVMESH_KAFKA_PORT: '29092', GOVMESH_KAFKA_CONTROLLER_PORT: '29093' });
    const properties = kafkaProperties(config, '/data/kafka/log', 'secret');
    expect(properties).toContain('process.roles=broker,controller');
    expect(properties).toContain('listeners=CLIENT://127.0.0.1:29092,CONTROLLER://127.0.0.1:29093');
    expect(properties).toContain('controller.quorum.voters=1@127.0.0.1:29093');
    expect(properties).toContain('log.dirs=/data/kafka/log');
    expect(properties).toContain('offsets.topic.replication.factor=1');
    expect(properties).not.toMatch(/0\.0\.0\.0/);
  });

  it('authenticates every listener and authorizes every request, with the admin as the only super user', () => {
    const config = loadInfraConfig({ HOME: '/h' });
    const properties = kafkaProperties(config, '/data/kafka/log', 'a"b\\c');
    expect(properties).toContain('listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,CLIENT:SASL_PLAINTEXT');
    expect(properties).toContain('sasl.enabled.mechanisms=SCRAM-SHA-512');
    expect(properties).toContain('authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer');
    expect(properties).toContain('allow.everyone.if.no.acl.found=false');
    expect(properties).toContain('super.users=User:govmesh-admin\n');
    expect(properties).not.toMatch(/PLAINTEXT:PLAINTEXT|ANONYMOUS/);
    // A quote or backslash in the secret cannot end the JAAS string early.
    expect(properties).toContain('password="a\\"b\\\\c"');
  });

  it('speaks TLS on the client listener only when all three certificate files are given', () => {
    const files = {
      GOVMESH_KAFKA_TLS_CERT_FILE: '/c.pem',
      GOVMESH_KAFKA_TLS_KEY_FILE: '/k.pem',
      GOVMESH_KAFKA_TLS_CA_FILE: '/ca.pem',
    };
    expect(() => loadInfraConfig({ HOME: '/h', ...files, GOVMESH_KAFKA_TLS_CA_FILE: undefined })).toThrow(
      InfraConfigError,
    );
    expect(() => loadInfraConfig({ HOME: '/h', ...files })).toThrow(/KAFKA_SSL_CA_FILE: cannot read \/ca\.pem/);
  });

  it('fails within its bound, naming Kafka and its address, when no broker answers', async () => {
    let port = 39_092;
    while (!(await isPortFree(port))) port += 1;
    const started = Date.now();
    const error = await waitForKafka([`127.0.0.1:${port}`], 1_500).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(EngineNotReadyError);
    expect((error as Error).message).toMatch(
      new RegExp(`^Kafka at 127\\.0\\.0\\.1:${port} did not answer a metadata request within 2 s`),
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('refuses one broker in a data folder made with three, and three in one made with one, saying what to do', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'govmesh-kafka-layout-'));
    const config = (nodes: string) =>
      loadInfraConfig({ HOME: '/h', GOVMESH_DATA_DIR: dataDir, GOVMESH_KAFKA_NODES: nodes });
    // What KRaft's storage tool writes when it formats a node.
    const format = (logDir: string) => {
      mkdirSync(logDir, { recursive: true });
      writeFileSync(join(logDir, 'meta.properties'), 'cluster.id=Zx4rQ9\nnode.id=1\nversion=1\n');
    };
    try {
      // A fresh folder takes either.
      expect(() => assertKafkaLayout(config('1'))).not.toThrow();
      expect(() => assertKafkaLayout(config('3'))).not.toThrow();

      format(kafkaNodes(config('1'))[0]!.logDir);
      expect(() => assertKafkaLayout(config('1'))).not.toThrow();
      const refused = (() => {
        try {
          assertKafkaLayout(config('3'));
        } catch (err) {
          return err;
        }
      })();
      expect(refused).toBeInstanceOf(KafkaLayoutChanged);
      expect(refused).toMatchObject({ code: 'INFRA.KAFKA_LAYOUT_CHANGED', retriable: false });
      expect((refused as KafkaLayoutChanged).message).toBe(
        `GOVMESH_KAFKA_NODES=3 asks for 3 Kafka brokers, but the data folder ${dataDir} was made with a single Kafka broker (its storage: ${join(dataDir, 'kafka')}): the cases, partners and ledger kept there have their topics and users on that Kafka only`,
      );
      expect((refused as KafkaLayoutChanged).hint).toMatch(
        /^start it as before with GOVMESH_KAFKA_NODES=1, or choose another data folder for 3 Kafka brokers with GOVMESH_DATA_DIR=/,
      );

      rmSync(join(dataDir, 'kafka'), { recursive: true });
      format(kafkaNodes(config('3'))[1]!.logDir);
      expect(() => assertKafkaLayout(config('3'))).not.toThrow();
      expect(() => assertKafkaLayout(config('1'))).toThrow(
        `GOVMESH_KAFKA_NODES=1 asks for a single Kafka broker, but the data folder ${dataDir} was made with 3 Kafka brokers (its storage: ${join(dataDir, 'kafka-cluster')})`,
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
