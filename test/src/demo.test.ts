import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import type { DemoSummary } from '@govmesh/demo';
import { watchPartnerRegistry } from '@govmesh/messaging';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';

import { isolatedStackEnv, kafkaClient } from './engines.js';
import { logger } from './platform.js';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;

async function demo(env: NodeJS.ProcessEnv, cases: number): Promise<DemoSummary> {
  const { stdout } = await run(
    process.execPath,
    [join(root, 'services/cli/bin/govmesh.js'), 'demo', '--cases', String(cases), '--json'],
    { cwd: root, env, maxBuffer: 16 * 1024 * 1024 },
  ).catch((err: { stdout: string; stderr: string; code: number }) => {
    throw new Error(`govmesh demo exited ${err.code}: ${err.stdout}\n${err.stderr.split('\n').slice(-30).join('\n')}`);
  });
  return JSON.parse(stdout) as DemoSummary;
}

describe('govmesh demo', () => {
  it('runs a small batch the way `npm start` does, and every case ends as its scenario intended', async () => {
    const suffix = Math.random().toString(16).slice(2, 8);
    const dir = mkdtempSync(join(tmpdir(), 'govmesh-e2e-demo-'));
    // Its own API port, databases, consumer groups and task queue; the suite's engines. The bridge
    // keeps the default consumer group, as `npm start` does: a new group would first replay every
    // earlier result on the demo partners' topics, and the 5-second demo deadlines would pass
    // while it catches up.
    const env = { ...process.env, ...(await isolatedStackEnv(dir, 'demo', suffix)) };
    const summary = await demo(env, 5);
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

  it('runs on PostgreSQL: the API and the audit ledger keep their state in their own schemas, none in files', async () => {
    const suffix = Math.random().toString(16).slice(2, 8);
    const dir = mkdtempSync(join(tmpdir(), 'govmesh-e2e-demo-pg-'));
    const databaseUrl = inject('databaseUrl');
    const schemas = { api: `api_e2e_${suffix}`, audit: `audit_e2e_${suffix}` };
    const stack = await isolatedStackEnv(dir, 'demo-pg', suffix);
    const env = {
      ...process.env,
      ...stack,
      GOVMESH_DATABASE_URL: databaseUrl,
      GOVMESH_API_DB_SCHEMA: schemas.api,
      GOVMESH_AUDIT_DB_SCHEMA: schemas.audit,
    };
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const summary = await demo(env, 3);
      expect(summary).toMatchObject({
        submitted: 3,
        completed: 3,
        lost: 0,
        stuck: 0,
        unexpected: 0,
        ledgerVerified: true,
      });
      // The cases' owners are rows of the API's schema, and the ledger holds every case's events.
      const owned = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${schemas.api}.cases`);
      expect(Number(owned.rows[0]!.n)).toBe(3);
      const chained = await db.query<{ n: string }>(
        `SELECT count(DISTINCT case_id) AS n FROM ${schemas.audit}.ledger_records WHERE case_id IN (SELECT case_id FROM ${schemas.api}.cases)`,
      );
      expect(Number(chained.rows[0]!.n)).toBe(3);
      expect(existsSync(stack.GOVMESH_API_DB!)).toBe(false);
      expect(existsSync(stack.GOVMESH_AUDIT_DB!)).toBe(false);
    } finally {
      await db.query(`DROP SCHEMA IF EXISTS ${schemas.api} CASCADE`);
      await db.query(`DROP SCHEMA IF EXISTS ${schemas.audit} CASCADE`);
      await db.end();
    }
  }, 240_000);
});
