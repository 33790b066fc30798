import { describe, expect, it } from 'vitest';

import { DEFAULT_PORTS } from '@govmesh/messaging';

import { isLibraryNoise, replicaEnv, tagged } from './platform-stack.js';

const line = (fields: Record<string, unknown>) => JSON.stringify({ level: 50, time: 0, msg: 'x', ...fields });

describe("what a newcomer's terminal shows", () => {
  it("keeps a library's transient errors (kafkajs reconnecting, Temporal's notices) for the log file", () => {
    expect(isLibraryNoise(line({ component: 'kafkajs', msg: 'Connection error: connect ECONNREFUSED' }))).toBe(true);
    expect(isLibraryNoise(line({ level: 40, component: 'temporal', msg: 'No workflows registered' }))).toBe(true);
  });

  it("shows govmesh's own warnings and errors, and any fatal line", () => {
    expect(isLibraryNoise(line({ component: 'result-bridge', msg: 'result rejected' }))).toBe(false);
    expect(isLibraryNoise(line({ level: 60, component: 'kafkajs', msg: 'gave up' }))).toBe(false);
    expect(isLibraryNoise('not json at all')).toBe(false);
  });

  it('writes one line per entry, without stacks', () => {
    const { text } = tagged('bridge', line({ component: 'kafkajs', stack: 'Error: x\n    at y', broker: 'b:1' }));
    expect(text).not.toContain('\n');
    expect(text).not.toContain('stack=');
    expect(text).toContain('[bridge] ERROR x component=kafkajs broker=b:1');
  });
});

describe('replicas of a service', () => {
  it('give each next replica its own ports, ten above the one before, and leave the first as configured', () => {
    const env = { GOVMESH_API_PORT: '20000', GOVMESH_AUDIT_URL: 'http://127.0.0.1:20001' };
    expect(replicaEnv('api', 1, env)).toEqual({});
    expect(replicaEnv('api', 2, env)).toEqual({ GOVMESH_API_PORT: '20010' });
    expect(replicaEnv('audit', 3, env)).toEqual({ GOVMESH_AUDIT_URL: 'http://127.0.0.1:20021' });
    expect(replicaEnv('worker', 2, {})).toEqual({
      GOVMESH_WORKER_METRICS_PORT: String(DEFAULT_PORTS.workerMetrics + 10),
      GOVMESH_WORKER_SDK_METRICS_PORT: String(DEFAULT_PORTS.workerSdkMetrics + 10),
    });
    expect(replicaEnv('web', 2, env)).toEqual({});
  });
});
