import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { KeyObject } from 'node:crypto';

import {
  LEDGER_EXPORT_FORMAT,
  ExportCheckpointLine,
  ExportRecordLine,
  LedgerExportHeader,
  type LedgerExportLine,
} from '@govmesh/contracts/audit-record';
import type { z } from 'zod';

import type { CheckpointSigner } from './checkpoint-signing.js';
import type { LedgerRecord } from './ledger-record.js';
import type { LedgerStore, SignedCheckpoint } from './ledger-store.js';
import { verifyLedger, type LedgerVerdict } from './ledger-verification.js';

export class LedgerExportInvalid extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problems: readonly string[],
  ) {
    super(`${file}:${line}: ${problems.join('; ')}`);
    this.name = 'LedgerExportInvalid';
  }
}

/**
 * Writes the whole ledger as JSON Lines. With a signer, the head is signed first, so the export
 * verifies offline up to its last record.
 */
export async function exportLedger(
  store: LedgerStore,
  file: string,
  signer?: CheckpointSigner,
  now = new Date(),
): Promise<{ records: number; checkpoints: number }> {
  const head = await store.head();
  if (signer && head.seq > 0) await store.addCheckpoint(signer.sign(head.seq, head.hash, now));
  const checkpoints = (await store.checkpoints()).filter((c) => c.seq <= head.seq);
  const out = createWriteStream(file, { encoding: 'utf8' });
  const write = async (line: unknown) => {
    if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, 'drain');
  };
  await write({
    format: LEDGER_EXPORT_FORMAT,
    exportedAt: now.toISOString(),
    records: head.seq,
    ...(signer ? { publicKey: signer.publicKeyPem() } : {}),
  });
  let records = 0;
  for await (const record of store.records()) {
    if (record.seq > head.seq) break;
    await write({ record });
    records += 1;
  }
  for (const checkpoint of checkpoints) await write({ checkpoint });
  out.end();
  await once(out, 'finish');
  return { records, checkpoints: checkpoints.length };
}

/** Verifies an exported ledger with nothing but the agency's public key. */
export async function verifyExport(file: string, publicKey: KeyObject): Promise<LedgerVerdict> {
  // Two passes: the checkpoints come last in the file, the records are streamed past them.
  const checkpoints: SignedCheckpoint[] = [];
  for await (const line of exportLines(file)) if ('checkpoint' in line) checkpoints.push(line.checkpoint);
  async function* records(): AsyncIterable<LedgerRecord> {
    for await (const line of exportLines(file)) if ('record' in line) yield line.record;
  }
  return verifyLedger(records(), checkpoints, { publicKey, requireSignedHead: true });
}

async function* exportLines(file: string): AsyncIterable<LedgerExportLine> {
  const problems = (issues: readonly z.core.$ZodIssue[]) =>
    issues.map((i) => `${i.path.map(String).join('.') || '(line)'}: ${i.message}`);
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let lineNo = 0;
  for await (const text of lines) {
    lineNo += 1;
    if (!text.trim()) continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new LedgerExportInvalid(file, lineNo, [`not JSON: ${(err as Error).message}`]);
    }
    // Parsed by the key that the line has, so an error names the field rather than "no union member".
    const schema =
      lineNo === 1
        ? LedgerExportHeader
        : json && typeof json === 'object' && 'checkpoint' in json
          ? ExportCheckpointLine
          : ExportRecordLine;
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new LedgerExportInvalid(file, lineNo, problems(parsed.error.issues));
    if (lineNo > 1) yield parsed.data as LedgerExportLine;
  }
  if (lineNo === 0) throw new LedgerExportInvalid(file, 0, ['the file is empty; an export starts with its header']);
}
