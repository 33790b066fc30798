import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { FAULTS_PARTNER_SECONDS, type DemoSummary } from '@govmesh/demo';
import { watchPartnerRegistry } from '@govmesh/messaging';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';

import { freePort, freePortsInRow, isolatedStackEnv, kafkaClient } from './engines.js';
import { logger } from './platform.js';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;

async function demo(env: NodeJS.ProcessEnv, cases: number, options: string[] = []): Promise<DemoSummary> {
  const { stdout } = await run(
    process.execPath,
    [join(root, 'services/cli/bin/govmesh.js'), 'demo', '--cases', String(cases), '--json', ...options],
    { cwd: root, env, maxBuffer: 16 * 1024 * 1024 },
  ).catch((err: { stdout: string; stderr: string; code: number }) => {
    throw new Error(`govmesh demo exited ${err.code}: ${err.stdout}\n${err.stderr.split('\n').slice(-30).join('\n')}`);
  });
  return JSON.parse(stdout) as DemoSummary;
}

/** The demo crew's partner ids in a run with its own suffix. */
const crewIds = (suffix: string) =>
  ['swift-checks', 'steady-inspections', 'sloppy-services', 'silent-partners'].map((p) => `${p}-${suffix}`);

/** Each partner's status as the registry topic has it now. */
async function registryStatuses(ids: readonly string[]): Promise<Array<string | undefined>> {
  const statuses = new Map<string, string>();
  const registry = await watchPartnerRegistry({
    kafka: kafkaClient(`e2e-demo-registry-${Math.random().toString(16).slice(2, 8)}`),
    logger,
    onProfile: (p) => statuses.set(p.id, p.status),
  });
  await registry.caughtUp;
  await registry.stop();
  return ids.map((id) => statuses.get(id));
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
    const ids = crewIds(suffix);
    expect(summary.partners.map((c) => c.partnerId)).toEqual(expect.arrayContaining(ids));
    // Nobody plays these partners any more: the registry must not offer them work.
    expect(await registryStatuses(ids)).toEqual(ids.map(() => 'terminated'));
  }, 240_000);

  it('plays a batch beside a serving `govmesh up --demo` with the crew already on duty, and leaves it on duty', async () => {
    const suffix = Math.random().toString(16).slice(2, 8);
    const dir = mkdtempSync(join(tmpdir(), 'govmesh-e2e-demo-beside-'));
    const env = { ...process.env, ...(await isolatedStackEnv(dir, 'beside', suffix)) };
    const up = spawn(process.execPath, [join(root, 'services/cli/bin/govmesh.js'), 'up', '--demo', '--cases', '1'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, stopped as a terminal's Ctrl-C stops it: every process of it at once.
      detached: true,
    });
    const exited = new Promise((resolve) => up.once('exit', resolve));
    let said = '';
    up.stdout.on('data', (chunk: Buffer) => (said += chunk.toString()));
    up.stderr.resume();
    try {
      const serving = Date.now() + 180_000;
      while (!said.includes('govmesh is serving')) {
        if (Date.now() > serving || up.exitCode !== null) throw new Error(`govmesh up did not serve:\n${said}`);
        await new Promise((r) => setTimeout(r, 500));
      }
      // A second `govmesh up` used to start a second set of services, whose audit service joined
      // the serving one's consumer group, and ended in a stack trace. It is refused before it
      // starts anything, saying what to do.
      const second = await run(process.execPath, [join(root, 'services/cli/bin/govmesh.js'), 'up'], {
        cwd: root,
        env,
      }).then(
        () => ({ code: 0, stderr: '' }),
        (err: { code: number; stderr: string }) => err,
      );
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(
        `govmesh: govmesh is already serving here: its API answers at http://127.0.0.1:${env.GOVMESH_API_PORT}`,
      );
      expect(second.stderr).toContain('what to do: stop that one first');
      expect(second.stderr).not.toMatch(/^\s+at /m);
      // On other ports, from the same data folder, it used to start a second set of services that
      // wrote the same ledger files. Refused the same way, naming the one that runs there.
      const otherPorts = {
        ...env,
        GOVMESH_API_PORT: String(await freePort()),
        GOVMESH_WEB_PORT: String(await freePort()),
      };
      const third = await run(process.execPath, [join(root, 'services/cli/bin/govmesh.js'), 'up'], {
        cwd: root,
        env: otherPorts,
      }).then(
        () => ({ code: 0, stdout: '', stderr: '' }),
        (err: { code: number; stdout: string; stderr: string }) => err,
      );
      expect(third.code).toBe(1);
      expect(third.stderr).toMatch(
        new RegExp(
          `^govmesh: govmesh already runs from the data folder ${dir}: \`govmesh up\` \\(pid \\d+\\), its API at http://127\\.0\\.0\\.1:${env.GOVMESH_API_PORT}\n  what to do: stop that one first \\(Ctrl-C where it runs\\), play a batch beside it with \`npx govmesh demo\` and its ports \\(GOVMESH_API_PORT=${env.GOVMESH_API_PORT}\\), or choose another data folder`,
        ),
      );
      // Nothing of it started: no engine progress, no service.
      expect(third.stdout).toBe('');
      // A second crew used to log the same partners in again (new passwords), take half their
      // tasks without knowing those cases' scenarios, and take the partners off duty at its end.
      const summary = await demo(env, 5);
      expect(summary).toMatchObject({
        completed: 5,
        unexpected: 0,
        outcomes: { 'on-time': 1, reassigned: 1, fallback: 1, 'invalid-corrected': 1, 'review-rework': 1, other: 0 },
      });
      const ids = crewIds(suffix);
      expect(await registryStatuses(ids)).toEqual(ids.map(() => 'active'));
      // And they still work: a second batch beside the same crew is played the same way.
      expect(await demo(env, 5)).toMatchObject({ completed: 5, unexpected: 0 });
    } finally {
      process.kill(-up.pid!, 'SIGINT');
      await exited;
    }
  }, 420_000);

  it('on PostgreSQL, with two of every service and three brokers, keeps every case when one of each is killed midway', async () => {
    const suffix = Math.random().toString(16).slice(2, 8);
    const dir = mkdtempSync(join(tmpdir(), 'govmesh-e2e-demo-faults-'));
    const databaseUrl = inject('databaseUrl');
    const schemas = { api: `api_e2e_faults_${suffix}`, audit: `audit_e2e_faults_${suffix}` };
    // The suite's Temporal and PostgreSQL; a three-broker Kafka of this run's own, which the demo
    // starts (and stops) in its data folder, so that it can kill one of the brokers.
    const {
      KAFKA_BROKERS: _brokers,
      KAFKA_SASL_MECHANISM: _m,
      KAFKA_SASL_USERNAME: _u,
      KAFKA_SASL_PASSWORD: _p,
      ...stack
    } = await isolatedStackEnv(dir, 'demo-faults', suffix);
    // A client and a controller port for each of three Kafka nodes.
    const kafkaPort = await freePortsInRow(6);
    const env = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KAFKA_'))),
      ...stack,
      GOVMESH_KAFKA_NODES: '3',
      GOVMESH_KAFKA_PORT: String(kafkaPort),
      GOVMESH_KAFKA_CONTROLLER_PORT: String(kafkaPort + 1),
      GOVMESH_KAFKA_HEAP: '384m',
      GOVMESH_DATABASE_URL: databaseUrl,
      GOVMESH_API_DB_SCHEMA: schemas.api,
      GOVMESH_AUDIT_DB_SCHEMA: schemas.audit,
    };
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const summary = await demo(env, 20, ['--replicas', '2', '--faults']);
      expect(summary).toMatchObject({
        submitted: 20,
        completed: 20,
        lost: 0,
        stuck: 0,
        appliedTwice: 0,
        ledgerVerified: true,
      });
      // A case may take another path than its scenario's while the faults last (a partner's
      // 5-second deadline passes during a takeover, so its task is reassigned), but it completes.
      expect(summary.problems.every((p) => / ended completed with /.test(p))).toBe(true);
      expect(summary.faults?.map((f) => f.replace(/ \(pid \d+\).*/, ''))).toEqual([
        'killed audit-2',
        'killed worker-2',
        'killed bridge-2',
        'killed api-2',
        'killed Kafka broker 2',
      ]);
      // One chain with no gap: the ledger's numbers run 1..n.
      const { rows } = await db.query<{ n: string; top: string }>(
        `SELECT count(*) AS n, max(seq) AS top FROM ${schemas.audit}.ledger_records`,
      );
      expect(rows[0]!.n).toBe(rows[0]!.top);
      // The API's and the ledger's state are rows of their own schemas; no SQLite file was made.
      const owned = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${schemas.api}.cases`);
      expect(Number(owned.rows[0]!.n)).toBe(20);
      const chained = await db.query<{ n: string }>(
        `SELECT count(DISTINCT case_id) AS n FROM ${schemas.audit}.ledger_records WHERE case_id IN (SELECT case_id FROM ${schemas.api}.cases)`,
      );
      expect(Number(chained.rows[0]!.n)).toBe(20);
      // The demo clock outlasts a takeover: with the usual 5 s, a task handed out just before the
      // kills could pass two partners' deadlines while its results waited, and its case fail.
      const published = await db.query<{ definition: string }>(
        `SELECT definition FROM ${schemas.api}.service_versions`,
      );
      const deadlines = published.rows.flatMap((r) =>
        (JSON.parse(r.definition) as { steps: { partners?: unknown; deadline?: unknown }[] }).steps
          .filter((s) => s.partners)
          .map((s) => s.deadline),
      );
      expect(deadlines.length).toBeGreaterThan(0);
      expect(deadlines).toEqual(deadlines.map(() => ({ seconds: FAULTS_PARTNER_SECONDS })));
      expect(existsSync(stack.GOVMESH_API_DB!)).toBe(false);
      // Each killed replica came back: one started while the dead broker still led partitions
      // asks Kafka again (withKafkaAdmin) instead of exiting at its first refused connection.
      const log = readFileSync(join(dir, 'logs', 'govmesh.log'), 'utf8');
      expect(log).not.toMatch(/could not start/);
      expect(existsSync(stack.GOVMESH_AUDIT_DB!)).toBe(false);
    } finally {
      await db.query(`DROP SCHEMA IF EXISTS ${schemas.api} CASCADE`);
      await db.query(`DROP SCHEMA IF EXISTS ${schemas.audit} CASCADE`);
      await db.end();
    }
  }, 600_000);
});
