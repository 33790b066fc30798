import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import type { InfraStatus } from '@govmesh/infra';
import { describe, expect, inject, it } from 'vitest';

const run = promisify(execFile);
const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

describe('npx govmesh infra', () => {
  it('status --json names each engine, its address and pid', async () => {
    const { stdout } = await run('npx', ['--no-install', 'govmesh', 'infra', 'status', '--json'], {
      cwd: repositoryRoot,
    });
    const status = JSON.parse(stdout) as InfraStatus;
    const expected = inject('infra');

    for (const engine of ['kafka', 'temporal'] as const) {
      expect(status[engine]).toMatchObject({
        engine,
        state: 'running',
        address: expected[engine].address,
        mode: expected[engine].mode,
      });
      if (expected[engine].mode === 'embedded') expect(status[engine].pid).toBe(expected[engine].pid);
    }
  });

  it('up reuses the running engines instead of starting new ones', async () => {
    const { stdout, stderr } = await run('npx', ['--no-install', 'govmesh', 'infra', 'up', '--json'], {
      cwd: repositoryRoot,
    });
    const status = JSON.parse(stdout) as InfraStatus;
    expect(status.kafka.startedNow).toBe(false);
    expect(status.temporal.startedNow).toBe(false);
    expect(stderr).toMatch(/\[kafka\] (reusing|using existing) Kafka/);
  });
});
