import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { PostgresLedgerStore, SqliteLedgerStore, verifyLedger, type LedgerStore } from '@govmesh/audit';
import { DOMAIN_EVENTS, DomainEvent, allowedSourceOf } from '@govmesh/contracts/domain-events';
import { EVENTS_TOPIC } from '@govmesh/contracts/topics';
import { CloudEventPublisher, createKafka } from '@govmesh/messaging';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';

import { engines, freePort, platformPrincipal, principalEnv } from './engines.js';
import { logger } from './platform.js';

const root = new URL('../..', import.meta.url).pathname;

/** The audit service from its built main, output to a file (a pipe could block it). */
function startAudit(env: Record<string, string>, logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [join(root, 'services/audit/dist/main.js')], {
    cwd: root,
    env: {
      ...process.env,
      LOG_LEVEL: 'info',
      KAFKA_BROKERS: engines().kafkaBrokers.join(','),
      ...principalEnv('audit'),
      ...env,
    },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  return child;
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** A Kafka client of this test, as the platform's admin principal. */
const adminKafka = (clientId: string) =>
  createKafka({ clientId, brokers: engines().kafkaBrokers, logger, credentials: platformPrincipal('admin') });

/**
 * Every distinct domain event id on the topic below the current high watermarks, of the events the
 * ledger takes: one from a source not allowed to emit its type (a test's forgery) goes to the DLQ.
 */
async function eventIdsOnTopic(suffix: string): Promise<Set<string>> {
  const kafka = adminKafka(`e2e-topic-reader-${suffix}`);
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(EVENTS_TOPIC)).map((p) => [p.partition, BigInt(p.high)]));
  await admin.disconnect();
  const pending = new Set([...ends].filter(([, high]) => high > 0n).map(([p]) => p));
  const ids = new Set<string>();
  const consumer = kafka.consumer({ groupId: `e2e-topic-reader-${suffix}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [EVENTS_TOPIC], fromBeginning: true });
  await new Promise<void>((resolve) => {
    if (pending.size === 0) resolve();
    void consumer.run({
      eachMessage: ({ partition, message }) => {
        const event = DomainEvent.safeParse(JSON.parse(message.value?.toString() ?? 'null'));
        if (BigInt(message.offset) < ends.get(partition)!) {
          if (event.success && event.data.source === allowedSourceOf(event.data.type)) ids.add(event.data.id);
          if (BigInt(message.offset) + 1n >= ends.get(partition)!) pending.delete(partition);
          if (pending.size === 0) resolve();
        }
        return Promise.resolve();
      },
    });
  });
  await consumer.disconnect();
  return ids;
}

/** Fresh events of this run, on every partition, so there is always a batch to die on. */
async function publishFreshEvents(suffix: string, count: number): Promise<void> {
  const kafka = adminKafka(`e2e-audit-crash-${suffix}`);
  const publisher = new CloudEventPublisher(kafka);
  for (let n = 0; n < count; n += 1) {
    const caseId = `crash-${suffix}-${n}`;
    await publisher.publish(EVENTS_TOPIC, caseId, {
      id: `${caseId}/case/0/caseSubmitted/1`,
      type: DOMAIN_EVENTS.caseSubmitted.type,
      source: '/govmesh/worker',
      subject: caseId,
      data: { correlationId: caseId, causationId: caseId, serviceId: 'crash-test', serviceVersion: 1 },
    });
  }
  await publisher.close();
}

/** Waits until the ledger holds `count` records, failing early when the service that should write them exits. */
async function untilLedgerHolds(reader: LedgerStore, count: number, writer: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  // A table not made yet (the writer is starting) reads as an empty ledger.
  const held = async () => (await reader.head().catch(() => ({ seq: 0 }))).seq;
  while ((await held()) < count) {
    if (writer.exitCode !== null) throw new Error(`the audit service exited with ${writer.exitCode}; see ${log}`);
    if (Date.now() > deadline)
      throw new Error(`the ledger holds ${await held()} of ${count} events after 90 s; see ${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Waits until a service's log says it found events in the ledger already and skipped them. */
async function untilReplayed(log: string, writer: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (replayedIn(log) === 0) {
    if (writer.exitCode !== null) throw new Error(`the audit service exited with ${writer.exitCode}; see ${log}`);
    if (Date.now() > deadline)
      throw new Error(`the restarted audit service read no stored event again in 60 s; see ${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Waits until the consumer group has `members` members and is done rebalancing. */
async function untilGroupHas(groupId: string, members: number, suffix: string): Promise<void> {
  const admin = adminKafka(`e2e-group-watch-${suffix}`).admin();
  await admin.connect();
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const [group] = (await admin.describeGroups([groupId])).groups;
      if (group?.state === 'Stable' && group.members.length === members) return;
      if (Date.now() > deadline) throw new Error(`group ${groupId} did not reach ${members} members in 60 s`);
      await new Promise((r) => setTimeout(r, 300));
    }
  } finally {
    await admin.disconnect();
  }
}

/** Every event once, none missing, and the chain whole. */
async function expectWholeLedger(reader: LedgerStore, expected: Set<string>): Promise<void> {
  const stored: string[] = [];
  for await (const record of reader.records()) stored.push(record.eventId);
  expect([...expected].filter((id) => !stored.includes(id))).toEqual([]);
  expect(stored.length).toBe(new Set(stored).size);
  expect(await verifyLedger(reader.records(), await reader.checkpoints())).toMatchObject({
    ok: true,
    records: stored.length,
  });
}

/** How many events a service's log says it found in the ledger already and skipped. */
function replayedIn(logFile: string): number {
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((l) => l.includes('replayed events already in the ledger'))
    .map((l) => (JSON.parse(l) as { duplicates: number }).duplicates)
    .reduce((a, b) => a + b, 0);
}

describe('the audit ledger after a crash between the ledger write and the offset commit', () => {
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
  });

  it('loses no event and stores none twice', async () => {
    const suffix = Math.random().toString(16).slice(2, 8);
    const dir = mkdtempSync(join(tmpdir(), 'govmesh-e2e-audit-crash-'));
    const env = {
      GOVMESH_DATA_DIR: dir,
      GOVMESH_AUDIT_URL: `http://127.0.0.1:${await freePort()}`,
      GOVMESH_AUDIT_DB: join(dir, 'ledger.sqlite'),
      GOVMESH_AUDIT_SIGNING_KEY_FILE: join(dir, 'key.pem'),
      GOVMESH_AUDIT_GROUP: `govmesh-audit-e2e-crash-${suffix}`,
    };
    await publishFreshEvents(suffix, 60);
    const expected = await eventIdsOnTopic(suffix);

    // Killed (SIGKILL) right after its first ledger transaction, before committing the offsets.
    const first = startAudit({ ...env, GOVMESH_AUDIT_KILL_AFTER_BATCHES: '1' }, join(dir, 'audit-1.log'));
    children.push(first);
    expect(await exited(first)).toEqual({ code: null, signal: 'SIGKILL' });
    const reader = new SqliteLedgerStore(env.GOVMESH_AUDIT_DB, { readonly: true });
    const beforeRestart = (await reader.head()).seq;
    expect(beforeRestart).toBeGreaterThan(0);

    const second = startAudit(env, join(dir, 'audit-2.log'));
    children.push(second);
    await untilLedgerHolds(reader, expected.size, second, join(dir, 'audit-2.log'));
    // The topic holds other tests' events too, so the count can be reached before the partition
    // the killed process had stored from is read again: wait for that re-read as well.
    await untilReplayed(join(dir, 'audit-2.log'), second);
    second.kill('SIGTERM');
    expect(await exited(second)).toEqual({ code: 0, signal: null });

    await expectWholeLedger(reader, expected);
    // The restart re-read what the killed process had stored but not committed, and skipped it.
    expect(replayedIn(join(dir, 'audit-2.log'))).toBeGreaterThan(0);
    await reader.close();
    // Kept when the test fails (the two services' logs say why), removed when it passes.
    rmSync(dir, { recursive: true, force: true });
  }, 180_000);
});

describe('an audit service whose address is taken', () => {
  it('ends with exit code 1, saying so, before it joins its consumer group or writes a record', async () => {
    const suffix = Math.random().toString(16).slice(2, 8);
    const dir = mkdtempSync(join(tmpdir(), 'govmesh-e2e-audit-taken-'));
    const port = await freePort();
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
    const group = `govmesh-audit-e2e-taken-${suffix}`;
    try {
      // Events on the topic: a consumer that joined would have appended them at once.
      await publishFreshEvents(suffix, 5);
      const logFile = join(dir, 'audit.log');
      const audit = startAudit(
        {
          GOVMESH_DATA_DIR: dir,
          GOVMESH_AUDIT_URL: `http://127.0.0.1:${port}`,
          GOVMESH_AUDIT_DB: join(dir, 'ledger.sqlite'),
          GOVMESH_AUDIT_SIGNING_KEY_FILE: join(dir, 'key.pem'),
          GOVMESH_AUDIT_GROUP: group,
        },
        logFile,
      );
      expect(await exited(audit)).toEqual({ code: 1, signal: null });
      expect(readFileSync(logFile, 'utf8')).toContain(`the audit read model cannot listen on 127.0.0.1:${port}`);
      const kafka = adminKafka(`e2e-audit-taken-${suffix}`);
      const admin = kafka.admin();
      await admin.connect();
      try {
        // A group nobody ever joined is "Dead"; one the consumer had joined and left is "Empty".
        const { groups } = await admin.describeGroups([group]);
        expect(groups[0]?.state).toBe('Dead');
      } finally {
        await admin.disconnect();
      }
      const reader = new SqliteLedgerStore(join(dir, 'ledger.sqlite'), { readonly: true });
      expect((await reader.head()).seq).toBe(0);
      await reader.close();
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  }, 120_000);
});

describe('two audit replicas on PostgreSQL', () => {
  const children: ChildProcess[] = [];
  const databaseUrl = inject('databaseUrl');
  const schema = `audit_e2e_replicas_${Math.random().toString(16).slice(2, 8)}`;
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.end();
  });

  it('keep one chain; when one dies mid-batch the other takes its partitions over, with no gap and no event twice', async () => {
    const suffix = Math.random().toString(16).slice(2, 8);
    const dir = mkdtempSync(join(tmpdir(), 'govmesh-e2e-audit-replicas-'));
    // One consumer group, one ledger, one signing key: what two hosts of one agency would share.
    const shared = {
      GOVMESH_DATA_DIR: dir,
      GOVMESH_DATABASE_URL: databaseUrl,
      GOVMESH_AUDIT_DB_SCHEMA: schema,
      GOVMESH_AUDIT_SIGNING_KEY_FILE: join(dir, 'key.pem'),
      GOVMESH_AUDIT_GROUP: `govmesh-audit-e2e-replicas-${suffix}`,
    };
    // A reader opens no table: until the first replica makes the schema, the head reads as empty.
    const ledger = await PostgresLedgerStore.open(databaseUrl, { schema, readonly: true });
    const survivorLog = join(dir, 'audit-survivor.log');
    const survivor = startAudit({ ...shared, GOVMESH_AUDIT_URL: `http://127.0.0.1:${await freePort()}` }, survivorLog);
    children.push(survivor);
    // The survivor catches up on the topic alone; then a second replica joins and the group splits the partitions.
    await untilLedgerHolds(ledger, (await eventIdsOnTopic(`${suffix}-before`)).size, survivor, survivorLog);
    const doomedLog = join(dir, 'audit-doomed.log');
    const doomed = startAudit(
      { ...shared, GOVMESH_AUDIT_URL: `http://127.0.0.1:${await freePort()}`, GOVMESH_AUDIT_KILL_AFTER_BATCHES: '1' },
      doomedLog,
    );
    children.push(doomed);
    await untilGroupHas(shared.GOVMESH_AUDIT_GROUP, 2, suffix);
    // Then fresh events on every partition: each replica has some to write, one chain for both.
    await publishFreshEvents(suffix, 60);
    const expected = await eventIdsOnTopic(suffix);
    // The second replica is killed (SIGKILL) right after its first ledger transaction, before committing the offsets.
    expect(await exited(doomed)).toEqual({ code: null, signal: 'SIGKILL' });
    await untilLedgerHolds(ledger, expected.size, survivor, survivorLog);
    survivor.kill('SIGTERM');
    expect(await exited(survivor)).toEqual({ code: 0, signal: null });
    await expectWholeLedger(ledger, expected);
    // The survivor re-read what the dead replica had stored but not committed, and skipped it.
    expect(replayedIn(survivorLog)).toBeGreaterThan(0);
    await ledger.close();
  }, 240_000);
});
