import { describe, expect, it } from 'vitest';

import { InfraConfigError, loadInfraConfig } from './config.js';
import { temporalServerConfig, temporalServerPorts } from './temporal-server.js';

const serverConfig = (env: Record<string, string> = {}) =>
  loadInfraConfig({
    HOME: '/h',
    GOVMESH_TEMPORAL_KIND: 'server',
    GOVMESH_DATABASE_URL: 'postgres://govmesh:s%40cret@db.agency.gov:5433/govmesh',
    ...env,
  });

describe("Temporal's own server on PostgreSQL (infra up --temporal server)", () => {
  it('is not the default: the dev server stays what a laptop runs', () => {
    expect(loadInfraConfig({ HOME: '/h' }).temporal).toMatchObject({ kind: 'dev', historyShards: 4 });
  });

  it("keeps history on the configured shards in govmesh's PostgreSQL, password decoded", () => {
    const rendered = temporalServerConfig(serverConfig({ GOVMESH_TEMPORAL_SHARDS: '16' })) as {
      persistence: { numHistoryShards: number; datastores: Record<string, { sql: Record<string, unknown> }> };
    };
    expect(rendered.persistence.numHistoryShards).toBe(16);
    expect(rendered.persistence.datastores.default!.sql).toMatchObject({
      pluginName: 'postgres12',
      databaseName: 'govmesh_temporal',
      connectAddr: 'db.agency.gov:5433',
      user: 'govmesh',
      password: 's@cret',
    });
    expect(rendered.persistence.datastores.visibility!.sql).toMatchObject({
      databaseName: 'govmesh_temporal_visibility',
    });
  });

  it('answers on the same frontend port as the dev server, its other services on the seven above', () => {
    const ports = temporalServerPorts(serverConfig({ GOVMESH_TEMPORAL_PORT: '20000' }));
    expect(ports.grpc.frontend).toBe(20000);
    const all = [...Object.values(ports.grpc), ...Object.values(ports.membership)];
    expect(new Set(all).size).toBe(8);
    expect(Math.max(...all)).toBe(20007);
  });

  it('refuses a port whose membership ports Temporal cannot store (a smallint)', () => {
    expect(() => serverConfig({ GOVMESH_TEMPORAL_PORT: '37233' })).toThrow(InfraConfigError);
    expect(() => serverConfig({ GOVMESH_TEMPORAL_PORT: '37233' })).toThrow(/GOVMESH_TEMPORAL_PORT.*32760/);
    // The dev server has no such limit.
    expect(loadInfraConfig({ HOME: '/h', GOVMESH_TEMPORAL_PORT: '37233' }).temporal.port).toBe(37233);
  });

  it('names the rule for an unknown kind or shard count', () => {
    expect(() => loadInfraConfig({ HOME: '/h', GOVMESH_TEMPORAL_KIND: 'cluster' })).toThrow(/GOVMESH_TEMPORAL_KIND/);
    expect(() => loadInfraConfig({ HOME: '/h', GOVMESH_TEMPORAL_SHARDS: '0' })).toThrow(/GOVMESH_TEMPORAL_SHARDS/);
  });
});
