import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import type { DemoSummary } from '@govmesh/demo';
import { watchPartnerRegistry } from '@govmesh/messaging';
import { describe, expect, it } from 'vitest';

import { engines, kafkaClient, principalEnv } from './engines.js';
import { logger } from './platform.js';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
      .listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      })
      .on('error', reject);
  });
}

describe('govmesh demo', () => {
  it('runs a small batch the way `npm start` does, and every case ends as its scenario intended', async () => {
    const suffix = Math.random().toString(16).slice(2, 8);
    const dir = mkdtempSync(join(tmpdir(), 'govmesh-e2e-demo-'));
    const { kafkaBrokers, temporalAddress } = engines();
    // Its own API port, databases, consumer groups and task queue; the suite's engines.
    const env = {
      ...process.env,
      KAFKA_BROKERS: kafkaBrokers.join(','),
      TEMPORAL_ADDRESS: temporalAddress,
      GOVMESH_DATA_DIR: dir,
      // The suite's broker is an existing cluster to this run: its processes act as the admin named here.
      ...principalEnv('admin'),
      GOVMESH_API_PORT: String(await freePort()),
      GOVMESH_API_DB: join(dir, 'api.sqlite'),
      GOVMESH_AUDIT_URL: `http://127.0.0.1:${await freePort()}`,
      GOVMESH_WORKER_METRICS_PORT: String(await freePort()),
      GOVMESH_WORKER_SDK_METRICS_PORT: String(await freePort()),
      GOVMESH_BRIDGE_METRICS_PORT: String(await freePort()),
      GOVMESH_AUDIT_DB: join(dir, 'ledger.sqlite'),
      GOVMESH_AUDIT_SIGNING_KEY_FILE: join(dir, 'key.pem'),
      GOVMESH_AUDIT_GROUP: `govmesh-audit-e2e-demo-${suffix}`,
      // The bridge keeps the default consumer group, as `npm start` does: a new group would first
      // replay every earlier result on the demo partners' topics, and the 5-second demo deadlines
      // would pass while it catches up.
      GOVMESH_CASE_TASK_QUEUE: `e2e-demo-${suffix}`,
      GOVMESH_DEMO_PARTNER_SUFFIX: suffix,
    };
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
