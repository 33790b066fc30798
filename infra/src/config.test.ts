import { describe, expect, it } from 'vitest';

import { InfraConfigError, loadInfraConfig } from './config.js';

describe('loadInfraConfig', () => {
  it('defaults to embedded engines on loopback ports clear of a developer’s own Kafka and Temporal', () => {
    const config = loadInfraConfig({ HOME: '/home/ada' });
    expect(config.kafka).toMatchObject({ mode: 'embedded', brokers: ['127.0.0.1:19092'], version: '4.4.0' });
    expect(config.temporal).toMatchObject({
      mode: 'embedded',
      address: '127.0.0.1:17233',
      namespace: 'default',
      uiPort: 18233,
    });
    expect(config.cacheDir).toBe('/home/ada/.cache/govmesh');
    expect(config.dataDir).toBe('/home/ada/.local/state/govmesh');
  });

  it('follows the XDG folders and explicit overrides', () => {
    expect(loadInfraConfig({ HOME: '/h', XDG_CACHE_HOME: '/c', XDG_STATE_HOME: '/s' })).toMatchObject({
      cacheDir: '/c/govmesh',
      dataDir: '/s/govmesh',
    });
    expect(loadInfraConfig({ HOME: '/h', GOVMESH_CACHE_DIR: '/cache', GOVMESH_DATA_DIR: '/data' })).toMatchObject({
      cacheDir: '/cache',
      dataDir: '/data',
    });
  });

  it('connects to existing clusters when KAFKA_BROKERS and TEMPORAL_ADDRESS are set', () => {
    const config = loadInfraConfig({
      HOME: '/h',
      KAFKA_BROKERS: 'k1:9092, k2:9092',
      TEMPORAL_ADDRESS: 'temporal.gov:7233',
    });
    expect(config.kafka).toMatchObject({ mode: 'external', brokers: ['k1:9092', 'k2:9092'] });
    expect(config.temporal).toMatchObject({ mode: 'external', address: 'temporal.gov:7233' });
  });

  it('refuses bad values, naming every variable and its rule', () => {
    let error: unknown;
    try {
      loadInfraConfig({
        HOME: '/h',
        KAFKA_BROKERS: 'localhost',
        GOVMESH_KAFKA_PORT: '99999',
        TEMPORAL_ADDRESS: 'nowhere',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InfraConfigError);
    const issues = (error as InfraConfigError).issues.join('\n');
    expect(issues).toMatch(/KAFKA_BROKERS.*host:port/);
    expect(issues).toMatch(/GOVMESH_KAFKA_PORT/);
    expect(issues).toMatch(/TEMPORAL_ADDRESS.*host:port/);
  });
});
