import { describe, expect, it } from 'vitest';

import { DEFAULT_PORTS, PlatformEnv } from './process-config.js';

describe('PlatformEnv', () => {
  it('defaults to the embedded engines, and serves metrics on loopback only', () => {
    expect(PlatformEnv.parse({})).toEqual({
      KAFKA_BROKERS: ['127.0.0.1:19092'],
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SSL: false,
      TEMPORAL_ADDRESS: '127.0.0.1:17233',
      TEMPORAL_NAMESPACE: 'default',
      LOG_LEVEL: 'info',
      GOVMESH_METRICS_HOST: '127.0.0.1',
    });
  });

  it('reads a broker list and names each bad variable', () => {
    expect(PlatformEnv.parse({ KAFKA_BROKERS: 'k1:9092, k2:9092' }).KAFKA_BROKERS).toEqual(['k1:9092', 'k2:9092']);
    const result = PlatformEnv.safeParse({ KAFKA_BROKERS: 'k1', TEMPORAL_ADDRESS: 'nowhere', LOG_LEVEL: 'loud' });
    expect(result.error?.issues.map((i) => i.path[0])).toEqual(['KAFKA_BROKERS', 'TEMPORAL_ADDRESS', 'LOG_LEVEL']);
  });
});

describe('DEFAULT_PORTS', () => {
  it('gives every govmesh process a port of its own on a laptop', () => {
    const ports = Object.values(DEFAULT_PORTS);
    expect(new Set(ports).size).toBe(ports.length);
  });
});
