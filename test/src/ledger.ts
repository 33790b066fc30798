import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Server } from 'node:http';

import {
  CheckpointSigner,
  SqliteLedgerStore,
  createLedgerConsumer,
  serveLedgerReadApi,
  startStandingsPublisher,
  LedgerReadModel,
  type LedgerConsumer,
  type LedgerRecord,
  type StandingsPublisher,
} from '@govmesh/audit';
import { CloudEventPublisher } from '@govmesh/messaging';
import type { Kafka } from 'kafkajs';

import { freePort } from './engines.js';
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
  /** The audit service's read model over this ledger, as the API reaches it. */
  readonly readModel: { readonly url: string; readonly secret: string };
  /** Publishes partner standings to govmesh.partner-standings, when asked for. */
  readonly standings?: StandingsPublisher;
  stop(): Promise<void>;
}

/**
 * An audit ledger of this run: its own SQLite file, signing key and consumer group, with the
 * audit service's read model served over it and, with `publishStandings`, its partner standings.
 */
export async function startLedger(
  kafka: Kafka,
  suffix: string,
  options: { publishStandings?: boolean } = {},
): Promise<TestLedger> {
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
    groupId: `govmesh-audit-e2e-${suffix}`,
    checkpointEvery: 50,
  });
  await consumer.start();
  const reads = new SqliteLedgerStore(file, { readonly: true });
  const secret = randomBytes(32).toString('base64url');
  const url = `http://127.0.0.1:${await freePort()}`;
  const readModel = new LedgerReadModel(reads);
  const server: Server = await serveLedgerReadApi({ store: reads, readModel, secret, publicKey, logger }, url);
  const standings = options.publishStandings
    ? startStandingsPublisher({ readModel, publisher, logger, intervalMs: 100 })
    : undefined;
  return {
    dir,
    file,
    keyFile,
    publicKeyFile,
    store,
    consumer,
    env: { GOVMESH_AUDIT_DB: file, GOVMESH_AUDIT_SIGNING_KEY_FILE: keyFile },
    readModel: { url, secret },
    ...(standings ? { standings } : {}),
    async stop() {
      await new Promise((resolve) => server.close(resolve));
      await standings?.stop();
      await consumer.stop();
      await reads.close();
      await publisher.close();
      await store.close();
      // Tens to hundreds of megabytes a run; kept only while the ledger runs.
      rmSync(dir, { recursive: true, force: true });
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
