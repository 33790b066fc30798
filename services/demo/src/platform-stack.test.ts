import { describe, expect, it } from 'vitest';

import { isLibraryNoise, tagged } from './platform-stack.js';

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
