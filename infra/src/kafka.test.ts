import { describe, expect, it } from 'vitest';

import { InfraConfigError, loadInfraConfig } from './config.js';
import { isPortFree } from './engine-process.js';
import { EngineNotReadyError } from './errors.js';
import { kafkaProperties, waitForKafka } from './kafka.js';

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
});
