import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { aclEntries, partnerGrants, platformGrants } from './kafka-acls.js';
import { credentialsEnv, credentialsFromEnv, tlsEnv, tlsFromEnv } from './kafka-security.js';

describe('the ACL table', () => {
  it('grants a partner its own task topic to read, its own result topic to write, and its own groups; nothing prefixed that another id could share', () => {
    const entries = aclEntries('partner-acme', partnerGrants('acme'));
    const lines = entries.map(
      (e) => `${e.resourceType}:${e.resourceName}:${e.resourcePatternType}:${e.operation}:${e.principal}`,
    );
    // kafkajs enums: TOPIC 2, GROUP 3; LITERAL 3, PREFIXED 4; READ 3, WRITE 4.
    expect(lines).toEqual([
      '2:govmesh.tasks.acme:3:3:User:partner-acme',
      '2:govmesh.results.acme:3:4:User:partner-acme',
      '3:govmesh-partner-acme:3:3:User:partner-acme',
      '3:govmesh-partner-acme.:4:3:User:partner-acme',
    ]);
    // `acme` must not reach `acme-2`'s group: the only prefix ends in a dot, which an id cannot hold.
    expect(entries.filter((e) => Number(e.resourcePatternType) === 4).every((e) => e.resourceName.endsWith('.'))).toBe(
      true,
    );
  });

  it('lets only the worker and the bridge write task topics, only the bridge read results, and no component read what it does not use', () => {
    const grants = platformGrants();
    const can = (component: keyof typeof grants, operation: string, name: string) =>
      grants[component].some(
        (g) =>
          g.resource === 'topic' &&
          g.operations.includes(operation as never) &&
          (g.prefixed ? name.startsWith(g.name) : name === g.name),
      );
    const components = Object.keys(grants) as Array<keyof typeof grants>;
    expect(components.filter((c) => can(c, 'write', 'govmesh.tasks.acme'))).toEqual(['worker', 'bridge']);
    expect(components.filter((c) => can(c, 'read', 'govmesh.results.acme'))).toEqual(['bridge']);
    expect(components.filter((c) => can(c, 'read', 'govmesh.events'))).toEqual(['audit']);
    expect(components.filter((c) => can(c, 'write', 'govmesh.partners'))).toEqual(['api']);
    expect(components.filter((c) => grants[c].some((g) => g.resource === 'cluster'))).toEqual(['api']);
  });
});

describe('Kafka credentials in the environment', () => {
  it('round-trips through the variables a child process reads, and is absent when none are set', () => {
    const credentials = { mechanism: 'scram-sha-512' as const, username: 'govmesh-worker', password: 's3cret' };
    expect(credentialsFromEnv({ ...credentialsEnv(credentials), KAFKA_SASL_MECHANISM: 'scram-sha-512' })).toEqual(
      credentials,
    );
    expect(credentialsFromEnv({ KAFKA_SASL_MECHANISM: 'scram-sha-512' })).toBeUndefined();
  });

  it('reads TLS files when asked, and names the variable whose file cannot be read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'govmesh-tls-env-'));
    writeFileSync(join(dir, 'ca.pem'), 'PEM');
    expect(tlsFromEnv({})).toBeUndefined();
    expect(tlsFromEnv({ KAFKA_SSL: true })).toEqual({});
    expect(tlsFromEnv({ KAFKA_SSL_CA_FILE: join(dir, 'ca.pem') })).toEqual({ ca: 'PEM' });
    expect(() => tlsFromEnv({ KAFKA_SSL_CERT_FILE: join(dir, 'missing.pem') })).toThrow(
      `KAFKA_SSL_CERT_FILE: cannot read ${join(dir, 'missing.pem')} (ENOENT)`,
    );
    expect(tlsEnv({ caFile: '/ca.pem' })).toEqual({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '/ca.pem' });
  });
});
