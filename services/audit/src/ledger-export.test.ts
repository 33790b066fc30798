import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { digestOf } from './canonical-hash.js';
import { CheckpointSigner } from './checkpoint-signing.js';
import { exportLedger, LedgerExportInvalid, verifyExport } from './ledger-export.js';
import { domainEvent } from './ledger-fixtures.test-helpers.js';
import { ledgerEntryOf, recordHash, type LedgerRecord } from './ledger-record.js';
import { SqliteLedgerStore } from './sqlite-ledger-store.js';

async function exported() {
  const dir = mkdtempSync(join(tmpdir(), 'govmesh-export-'));
  const store = new SqliteLedgerStore(join(dir, 'ledger.sqlite'));
  const signer = new CheckpointSigner(generateKeyPairSync('ed25519').privateKey);
  const events = Array.from({ length: 6 }, (_, i) =>
    domainEvent('stepStarted', 'case-1', { stepId: `s${i}`, mode: 'in-house' }, '2026-11-23T10:00:00Z'),
  );
  await store.append(events.slice(0, 4).map(ledgerEntryOf));
  await store.addCheckpoint(signer.sign(4, (await store.head()).hash, new Date('2026-11-23T10:00:01Z')));
  await store.append(events.slice(4).map(ledgerEntryOf));
  const file = join(dir, 'ledger.jsonl');
  const summary = await exportLedger(store, file, signer);
  return { file, signer, summary, lines: readFileSync(file, 'utf8').trimEnd().split('\n') };
}

function rewrite(file: string, lines: string[], change: (record: LedgerRecord) => void, rechain: boolean): void {
  let prev: string | undefined;
  const out = lines.map((line, i) => {
    const json = JSON.parse(line) as { record?: LedgerRecord };
    if (i === 0 || !json.record) return line;
    const record = json.record;
    if (record.seq === 2) change(record);
    if (rechain) {
      if (prev) record.prevHash = prev;
      const { hash: _old, ...rest } = record;
      record.hash = recordHash(rest);
      prev = record.hash;
    }
    return JSON.stringify({ record });
  });
  writeFileSync(file, `${out.join('\n')}\n`);
}

describe('an exported ledger', () => {
  it('verifies offline with only the public key, signed up to its last record', async () => {
    const { file, signer, summary } = await exported();
    expect(summary).toEqual({ records: 6, checkpoints: 2 });
    expect(await verifyExport(file, signer.publicKey)).toEqual({
      ok: true,
      records: 6,
      firstBroken: null,
      reason: null,
      signedThrough: 6,
    });
  });

  it('fails when one record was edited, naming it', async () => {
    const { file, signer, lines } = await exported();
    rewrite(
      file,
      lines,
      (r) => {
        r.actor = { kind: 'officer', id: 'mallory' };
      },
      false,
    );
    expect(await verifyExport(file, signer.publicKey)).toMatchObject({ ok: false, firstBroken: 2 });
  });

  it('fails when the whole chain was recomputed after an edit: the signed head disagrees', async () => {
    const { file, signer, lines } = await exported();
    rewrite(
      file,
      lines,
      (r) => {
        r.payloadDigest = digestOf('forged');
      },
      true,
    );
    const verdict = await verifyExport(file, signer.publicKey);
    expect(verdict).toMatchObject({ ok: false, firstBroken: 4 });
    expect(verdict.reason).toMatch(/rewritten/);
  });

  it("fails with someone else's key, and when records were added after the last signature", async () => {
    const { file, signer, lines } = await exported();
    const other = new CheckpointSigner(generateKeyPairSync('ed25519').privateKey);
    expect(await verifyExport(file, other.publicKey)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not signed by the given key/) as unknown,
    });
    const last = JSON.parse(lines.find((l) => l.includes('"seq":6') && l.startsWith('{"record"'))!) as {
      record: LedgerRecord;
    };
    const extra = { ...last.record, seq: 7, eventId: 'forged', prevHash: last.record.hash };
    const { hash: _h, ...rest } = extra;
    const appended = [
      ...lines.slice(0, 7),
      JSON.stringify({ record: { ...rest, hash: recordHash(rest) } }),
      ...lines.slice(7),
    ];
    writeFileSync(file, `${appended.join('\n')}\n`);
    expect(await verifyExport(file, signer.publicKey)).toMatchObject({
      ok: false,
      records: 7,
      firstBroken: 7,
      signedThrough: 6,
    });
  });

  it('names the line and field of a malformed export', async () => {
    const { file, signer, lines } = await exported();
    writeFileSync(file, `${[lines[0], '{"record":{"seq":"one"}}'].join('\n')}\n`);
    const error = await verifyExport(file, signer.publicKey).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LedgerExportInvalid);
    expect((error as LedgerExportInvalid).line).toBe(2);
    expect((error as Error).message).toMatch(/record\.seq/);
  });
});
