import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { AUDIT_READ_MODEL, caseReadPath } from '@govmesh/contracts/audit-record';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CheckpointSigner } from './checkpoint-signing.js';
import { domainEvent, hashesHeld, heldAfter } from './ledger-fixtures.test-helpers.js';
import { serveLedgerReadApi } from './ledger-read-api.js';
import { LedgerReadModel } from './ledger-read-model.js';
import { ledgerEntryOf } from './ledger-record.js';
import { SqliteLedgerStore } from './sqlite-ledger-store.js';

const SECRET = 'read-model-secret-of-this-test-0123456789';

describe("the audit service's read model over HTTP", () => {
  let server: Server;
  let base: string;
  let writer: SqliteLedgerStore;
  let reads: SqliteLedgerStore;
  const get = (path: string, secret: string | null = SECRET) =>
    fetch(new URL(path, base), secret === null ? {} : { headers: { authorization: `Bearer ${secret}` } });

  beforeAll(async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'govmesh-read-model-')), 'ledger.sqlite');
    writer = new SqliteLedgerStore(file);
    const signer = new CheckpointSigner(generateKeyPairSync('ed25519').privateKey);
    // A case id with a slash and a space must reach its own records, not another path.
    const caseId = 'case/1 a';
    await writer.append([
      ledgerEntryOf(
        domainEvent(
          'caseSubmitted',
          caseId,
          { serviceId: 'business-licence', serviceVersion: 1 },
          '2026-11-23T10:00:00Z',
        ),
      ),
      ledgerEntryOf(
        domainEvent('stepStarted', caseId, { stepId: 'site-inspection', mode: 'outsourced' }, '2026-11-23T10:00:01Z'),
      ),
      ledgerEntryOf(
        domainEvent('stepStarted', 'case-2', { stepId: 'decision', mode: 'in-house' }, '2026-11-23T10:00:02Z'),
      ),
    ]);
    reads = new SqliteLedgerStore(file, { readonly: true });
    // Port 0: the system picks a free one, read back from the server.
    server = await serveLedgerReadApi(
      { store: reads, secret: SECRET, publicKey: signer.publicKey, logger: pino({ level: 'silent' }) },
      'http://127.0.0.1:0',
    );
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    if (server) await new Promise((resolve) => server.close(resolve));
    await reads?.close();
    await writer?.close();
  });

  it('refuses a caller without the secret, or with another, and says how to authenticate', async () => {
    for (const secret of [null, 'not-the-secret', `${SECRET}x`]) {
      const refused = await get(AUDIT_READ_MODEL.verify, secret);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="govmesh-audit"');
      expect(await refused.json()).toMatchObject({ status: 401, code: 'AUTH.UNAUTHENTICATED' });
    }
    expect((await get(AUDIT_READ_MODEL.health, null)).status).toBe(200);
  });

  it("answers a case's timelines, the verdict, scorecards and the public figures", async () => {
    const audit = (await (await get(caseReadPath(AUDIT_READ_MODEL.auditTimeline, 'case/1 a'))).json()) as Array<{
      seq: number;
      type: string;
    }>;
    expect(audit.map((e) => e.seq)).toEqual([1, 2]);
    const citizen = (await (await get(caseReadPath(AUDIT_READ_MODEL.citizenTimeline, 'case/1 a'))).json()) as Array<{
      what: string;
    }>;
    expect(citizen.map((e) => e.what)).toEqual(['Your application was received', 'Started: site inspection']);
    expect(await (await get(caseReadPath(AUDIT_READ_MODEL.auditTimeline, 'no-such-case'))).json()).toEqual([]);
    expect(await (await get(AUDIT_READ_MODEL.verify)).json()).toMatchObject({ ok: true, records: 3 });
    expect(await (await get(AUDIT_READ_MODEL.transparency)).json()).toMatchObject([
      { serviceId: 'business-licence', received: 1 },
    ]);
    expect((await get(`${AUDIT_READ_MODEL.scorecards}?from=2026-11-01T00:00:00Z`)).status).toBe(200);
  });

  it('refuses a window that is not a time, naming the parameter', async () => {
    const bad = await get(`${AUDIT_READ_MODEL.scorecards}?from=yesterday`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      errors: [{ path: 'query.from', message: 'must be an RFC 3339 date-time' }],
    });
  });
});

/** Case `i`'s submission, as the ledger records it. */
const submitted = (i: number) =>
  ledgerEntryOf(
    domainEvent(
      'caseSubmitted',
      `case-${i}`,
      { serviceId: 'business-licence', serviceVersion: 1 },
      '2026-11-23T10:00:00Z',
    ),
  );

/** Asks a read model server with the secret. */
const askerOf = (server: Server) => (path: string) =>
  fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, {
    headers: { authorization: `Bearer ${SECRET}` },
  });

/** The scorecards and the public figures both answered 503, saying why and when to ask again. */
async function expectBoundedRoutesRefused(
  at: (path: string) => Promise<Response>,
  code: string,
  detail: RegExp,
): Promise<void> {
  for (const path of [AUDIT_READ_MODEL.transparency, AUDIT_READ_MODEL.scorecards]) {
    const refused = await at(path);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    const problem = (await refused.json()) as { code: string; detail: string };
    expect(problem.code).toBe(code);
    expect(problem.detail).toMatch(detail);
  }
}

/** The public figures answered, counting `cases` received. */
async function expectReceived(at: (path: string) => Promise<Response>, cases: number): Promise<void> {
  const answered = await at(AUDIT_READ_MODEL.transparency);
  expect(answered.status).toBe(200);
  expect(((await answered.json()) as Array<{ received: number }>)[0]?.received).toBe(cases);
}

describe('the read model over HTTP while it reads a long ledger', () => {
  it('answers 503 with how far the read has come and when to ask again, then the figures once it is done', async () => {
    const store = new SqliteLedgerStore(':memory:');
    await store.append(Array.from({ length: 2_000 }, (_, i) => submitted(i)));
    const { view, open } = heldAfter(store, 1_500);
    const server = await serveLedgerReadApi(
      { store: view, secret: SECRET, logger: pino({ level: 'silent' }), answerWithinMs: 50 },
      'http://127.0.0.1:0',
    );
    try {
      const at = askerOf(server);
      await expectBoundedRoutesRefused(at, 'AUDIT.CATCHING_UP', /reading the ledger: 1,500 of 2,000 records \(75 %\)/);
      open();
      await expectReceived(at, 2_000);
    } finally {
      open();
      await new Promise((resolve) => server.close(resolve));
      await store.close();
    }
  });
});

describe('the read model over HTTP while it writes its snapshot', () => {
  it('answers 503 saying so and when to ask again, then the figures once it is written', async () => {
    const store = new SqliteLedgerStore(':memory:');
    await store.append(Array.from({ length: 500 }, (_, i) => submitted(i)));
    // The second write is held where it begins (the ledger asked for its last record's hash).
    const { view, hold, release } = hashesHeld(store);
    const file = join(mkdtempSync(join(tmpdir(), 'govmesh-read-model-')), 'read-model.snapshot');
    const readModel = new LedgerReadModel(view, { snapshot: { file } });
    await readModel.saveSnapshot();
    const server = await serveLedgerReadApi(
      { store: view, readModel, secret: SECRET, logger: pino({ level: 'silent' }), answerWithinMs: 50 },
      'http://127.0.0.1:0',
    );
    try {
      const at = askerOf(server);
      await store.append([submitted(500)]);
      hold();
      const saved = readModel.saveSnapshot(); // as at the service's stop, or past GOVMESH_AUDIT_SNAPSHOT_EVERY
      while (!readModel.snapshotProgress) await new Promise((resolve) => setTimeout(resolve, 5));
      await expectBoundedRoutesRefused(
        at,
        'AUDIT.SAVING_SNAPSHOT',
        /^the audit read model is writing its snapshot: 0\.0 of about 0\.\d MB/,
      );
      release();
      await saved;
      await expectReceived(at, 501);
    } finally {
      release();
      await new Promise((resolve) => server.close(resolve));
      await store.close();
    }
  });
});
