import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CheckpointSigner,
  SqliteLedgerStore,
  createLedgerConsumer,
  type LedgerConsumer,
  type LedgerRecord,
} from '@govmesh/audit';
import { CloudEventPublisher } from '@govmesh/messaging';
import type { Kafka } from 'kafkajs';

import { logger } from './platform.js';

export interface TestLedger {
  readonly dir: string;
  readonly file: string;
  readonly keyFile: string;
  readonly publicKeyFile: string;
  readonly store: SqliteLedgerStore;
  readonly consumer: LedgerConsumer;
  /** The environment `govmesh audit` needs to find this ledger and its key. */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

/** An audit ledger of this run: its own SQLite file, signing key and consumer group. */
export async function startLedger(kafka: Kafka, suffix: string): Promise<TestLedger> {
  const dir = mkdtempSync(join(tmpdir(), 'govmesh-e2e-ledger-'));
  const file = join(dir, 'ledger.sqlite');
  const keyFile = join(dir, 'signing-key.pem');
  const publicKeyFile = join(dir, 'public-key.pem');
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));
  const store = new SqliteLedgerStore(file);
  const publisher = new CloudEventPublisher(kafka);
  const consumer = createLedgerConsumer({
    kafka,
    store,
    publisher,
    logger,
    signer: new CheckpointSigner(privateKey),
    groupId: `e2e-audit-${suffix}`,
    checkpointEvery: 50,
  });
  await consumer.start();
  return {
    dir,
    file,
    keyFile,
    publicKeyFile,
    store,
    consumer,
    env: { GOVMESH_AUDIT_DB: file, GOVMESH_AUDIT_SIGNING_KEY_FILE: keyFile },
    async stop() {
      await consumer.stop();
      await publisher.close();
      store.close();
    },
  };
}

/** Waits until the ledger holds an event of `type` for the case. */
export async function untilLedgered(
  store: SqliteLedgerStore,
  caseId: string,
  type: string,
  timeoutMs = 30_000,
): Promise<LedgerRecord[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const records = await store.caseRecords(caseId);
    if (records.some((r) => r.type === type)) return records;
    if (Date.now() > deadline)
      throw new Error(
        `the ledger got no ${type} for ${caseId} within ${timeoutMs} ms; it holds ${records.map((r) => r.type).join(', ')}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}
