import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SqliteLedgerStore, verifyLedger } from '@govmesh/audit';
import { DOMAIN_EVENTS, DomainEvent, allowedSourceOf } from '@govmesh/contracts/domain-events';
import { EVENTS_TOPIC } from '@govmesh/contracts/topics';
import { CloudEventPublisher, createKafka } from '@govmesh/messaging';
import { afterAll, describe, expect, it } from 'vitest';

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

/**
 * Every distinct domain event id on the topic below the current high watermarks, of the events the
 * ledger takes: one from a source not allowed to emit its type (a test's forgery) goes to the DLQ.
 */
async function eventIdsOnTopic(suffix: string): Promise<Set<string>> {
  const kafka = createKafka({
    clientId: `e2e-topic-reader-${suffix}`,
    brokers: engines().kafkaBrokers,
    logger,
    credentials: platformPrincipal('admin'),
  });
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
    // Fresh events of this run, on every partition, so there is always a batch to die on.
    const kafka = createKafka({
      clientId: `e2e-audit-crash-${suffix}`,
      brokers: engines().kafkaBrokers,
      logger,
      credentials: platformPrincipal('admin'),
    });
    const publisher = new CloudEventPublisher(kafka);
    for (let n = 0; n < 60; n += 1) {
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
    const deadline = Date.now() + 60_000;
    while ((await reader.head()).seq < expected.size) {
      if (second.exitCode !== null)
        throw new Error(`the restarted audit service exited with ${second.exitCode}; see ${dir}/audit-2.log`);
      if (Date.now() > deadline)
        throw new Error(`the ledger holds ${(await reader.head()).seq} of ${expected.size} events after 60 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
    second.kill('SIGTERM');
    expect(await exited(second)).toEqual({ code: 0, signal: null });

    const stored: string[] = [];
    for await (const record of reader.records()) stored.push(record.eventId);
    const missing = [...expected].filter((id) => !stored.includes(id));
    expect(missing).toEqual([]);
    expect(stored.length).toBe(new Set(stored).size);
    // The restart re-read what the killed process had stored but not committed, and skipped it.
    const log = readFileSync(join(dir, 'audit-2.log'), 'utf8');
    const replayed = log
      .split('\n')
      .filter((l) => l.includes('replayed events already in the ledger'))
      .map((l) => (JSON.parse(l) as { duplicates: number }).duplicates);
    expect(replayed.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(await verifyLedger(reader.records(), await reader.checkpoints())).toMatchObject({
      ok: true,
      records: stored.length,
    });
    await reader.close();
  }, 180_000);
});
