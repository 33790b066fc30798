import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import type { DemoSummary } from '@govmesh/demo';
import { watchPartnerRegistry } from '@govmesh/messaging';
import { describe, expect, it } from 'vitest';

import { isolatedStackEnv, kafkaClient } from './engines.js';
import { logger } from './platform.js';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;

describe('govmesh demo', () => {
  it('runs a small batch the way `npm start` does, and every case ends as its scenario intended', async () => {
    const suffix = Math.random().toString(16).slice(2, 8);
    const dir = mkdtempSync(join(tmpdir(), 'govmesh-e2e-demo-'));
    // Its own API port, databases, consumer groups and task queue; the suite's engines. The bridge
    // keeps the default consumer group, as `npm start` does: a new group would first replay every
    // earlier result on the demo partners' topics, and the 5-second demo deadlines would pass
    // while it catches up.
    const env = { ...process.env, ...(await isolatedStackEnv(dir, 'demo', suffix)) };
    const { stdout } = await run(
      process.execPath,
      [join(root, 'services/cli/bin/govmesh.js'), 'demo', '--cases', '5', '--json'],
      { cwd: root, env, maxBuffer: 16 * 1024 * 1024 },
    ).catch((err: { stdout: string; stderr: string; code: number }) => {
      throw new Error(
        `govmesh demo exited ${err.code}: ${err.stdout}\n${err.stderr.split('\n').slice(-30).join('\n')}`,
      );
    });
    const summary = JSON.parse(stdout) as DemoSummary;
    expect(summary).toMatchObject({
      submitted: 5,
      completed: 5,
      lost: 0,
      stuck: 0,
      unexpected: 0,
      ledgerVerified: true,
      outcomes: { 'on-time': 1, reassigned: 1, fallback: 1, 'invalid-corrected': 1, 'review-rework': 1, other: 0 },
    });
    expect(summary.seconds).toBeGreaterThan(0);
    const ids = ['swift-checks', 'steady-inspections', 'sloppy-services', 'silent-partners'].map(
      (p) => `${p}-${suffix}`,
    );
    expect(summary.partners.map((c) => c.partnerId)).toEqual(expect.arrayContaining(ids));
    // Nobody plays these partners any more: the registry must not offer them work.
    const statuses = new Map<string, string>();
    const registry = await watchPartnerRegistry({
      kafka: kafkaClient('e2e-demo-registry'),
      logger,
      onProfile: (p) => statuses.set(p.id, p.status),
    });
    await registry.caughtUp;
    await registry.stop();
    expect(ids.map((id) => statuses.get(id))).toEqual(ids.map(() => 'terminated'));
  }, 240_000);
});
