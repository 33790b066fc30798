import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DevelopmentIssuer, developmentIssuerKeyFile } from '@govmesh/tokens';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { engines, freePort, principalEnv } from './engines.js';

const root = new URL('../..', import.meta.url).pathname;

/**
 * Two API processes on one PostgreSQL schema, as two hosts behind a balancer run them: what one
 * replica is told, the other knows, and a retried submission makes one case whichever replica
 * takes it, even when one of them is gone.
 */
describe('two API replicas on PostgreSQL', () => {
  const suffix = Math.random().toString(16).slice(2, 8);
  const dir = mkdtempSync(join(tmpdir(), 'govmesh-e2e-api-replicas-'));
  const databaseUrl = inject('databaseUrl');
  const schema = `api_e2e_replicas_${suffix}`;
  const replicas: Array<{ child: ChildProcess; url: string }> = [];
  let tokens: DevelopmentIssuer;

  async function startReplica(n: number): Promise<{ child: ChildProcess; url: string }> {
    const port = await freePort();
    const fd = openSync(join(dir, `api-${n}.log`), 'a');
    const child = spawn(process.execPath, [join(root, 'services/api/dist/main.js')], {
      cwd: root,
      env: {
        ...process.env,
        KAFKA_BROKERS: engines().kafkaBrokers.join(','),
        TEMPORAL_ADDRESS: engines().temporalAddress,
        ...principalEnv('api'),
        // One data folder: the development issuer's key and the case data keys are the deployment's.
        GOVMESH_DATA_DIR: dir,
        GOVMESH_API_PORT: String(port),
        GOVMESH_AUDIT_URL: `http://127.0.0.1:${await freePort()}`,
        GOVMESH_DATABASE_URL: databaseUrl,
        GOVMESH_API_DB_SCHEMA: schema,
        GOVMESH_CASE_TASK_QUEUE: `e2e-api-replicas-${suffix}`,
      },
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`API replica ${n} exited with ${child.exitCode}; see ${dir}/api-${n}.log`);
      const ready = await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`API replica ${n} was not ready in 60 s; see ${dir}/api-${n}.log`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const replica = { child, url };
    replicas.push(replica);
    return replica;
  }

  beforeAll(async () => {
    // One after the other: the first makes the data folder's keys, the second reads them.
    await startReplica(1);
    await startReplica(2);
    tokens = await DevelopmentIssuer.open(developmentIssuerKeyFile(dir));
  }, 180_000);

  afterAll(async () => {
    for (const { child } of replicas) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.all(
      replicas.map(({ child }) =>
        child.exitCode !== null || child.signalCode !== null
          ? Promise.resolve()
          : new Promise((resolve) => child.once('exit', resolve)),
      ),
    );
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.end();
  });

  it('share the catalogue and make one case per idempotency key, even with a replica gone', async () => {
    const [first, second] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
    const bearer = async (claims: Parameters<DevelopmentIssuer['mint']>[0]) => `Bearer ${await tokens.mint(claims)}`;
    const admin = await bearer({ role: 'agency-admin', subject: 'admin-1', agency: 'market-regulation' });
    const service = {
      apiVersion: 'govmesh/v1',
      kind: 'Service',
      id: `replicated-${suffix}`,
      version: 1,
      title: 'A licence decided by an officer',
      ownerAgency: 'market-regulation',
      application: { schema: 'business-licence-application@1' },
      steps: [
        {
          id: 'decision',
          classification: { core: true, critical: true },
          officer: { role: 'licensing-officer', deadline: { hours: 1 } },
        },
      ],
    };
    const published = await fetch(`${first.url}/v1/services/${service.id}`, {
      method: 'PUT',
      headers: { authorization: admin, 'content-type': 'application/json' },
      body: JSON.stringify(service),
    });
    expect(published.status).toBe(201);
    // The other replica serves what the first was told.
    const seen = await fetch(`${second.url}/v1/services/${service.id}`);
    expect(seen.status).toBe(200);
    expect(await seen.json()).toMatchObject({ id: service.id, version: 1 });

    const citizen = await bearer({ role: 'citizen', subject: `citizen-${suffix}` });
    const submit = (replica: { url: string }) =>
      fetch(`${replica.url}/v1/cases`, {
        method: 'POST',
        headers: { authorization: citizen, 'content-type': 'application/json', 'idempotency-key': `apply-${suffix}` },
        body: JSON.stringify({
          serviceId: service.id,
          application: {
            applicant: {
              name: 'Ada Lovelace',
              dateOfBirth: '1985-12-10',
              nationalId: 'NID-10',
              email: 'ada@example.org',
            },
            business: { name: 'Engine Books', address: '10 Analytical Row', activity: 'bookshop' },
          },
        }),
      });
    // A citizen's retry lands on the other replica at the same moment.
    const answers = await Promise.all([submit(first), submit(second)]);
    expect(answers.map((a) => a.status).sort()).toEqual([202, 202]);
    const caseIds = await Promise.all(answers.map(async (a) => ((await a.json()) as { caseId: string }).caseId));
    expect(caseIds[0]).toBe(caseIds[1]);

    // One replica dies; the balancer sends the next retry to the other, which knows the case.
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    const again = await submit(second);
    expect(((await again.json()) as { caseId: string }).caseId).toBe(caseIds[0]);
    // The store holds one case: its owner and key are the shared schema's.
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.cases`);
    await db.end();
    expect(Number(rows[0]!.n)).toBe(1);
  }, 120_000);
});
