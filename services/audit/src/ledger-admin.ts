import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

import { table } from '@govmesh/messaging';
import { Command } from 'commander';

import { auditTimeline, citizenTimeline } from './case-timeline.js';
import { CheckpointSigner } from './checkpoint-signing.js';
import { readLedgerLocation, type LedgerLocation } from './config.js';
import { LedgerExportInvalid, exportLedger, verifyExport } from './ledger-export.js';
import { verifyLedger, type LedgerVerdict } from './ledger-verification.js';
import { scorecardsOf } from './scorecards.js';
import type { LedgerStore } from './ledger-store.js';
import { LedgerNotFound, openLedgerStore } from './ledger-stores.js';

/** Exit codes scripts can trust: 0 verified, 1 the ledger is broken, 2 it could not be checked. */
export class AuditCommandError extends Error {
  readonly exitCode = 2;
}

function location(): LedgerLocation {
  const parsed = readLedgerLocation();
  if (!parsed.success) throw new AuditCommandError(`invalid configuration: ${parsed.error.message}`);
  return parsed.data;
}

async function openLedger(where: LedgerLocation, options: { readonly writer?: boolean } = {}): Promise<LedgerStore> {
  try {
    return await openLedgerStore(where, { readonly: options.writer !== true, mustExist: true });
  } catch (err) {
    if (err instanceof LedgerNotFound) throw new AuditCommandError(err.message);
    throw new AuditCommandError(`cannot open the audit ledger: ${(err as Error).message}`);
  }
}

function readPublicKey(path: string): KeyObject {
  try {
    return createPublicKey(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new AuditCommandError(`cannot read the public key ${path}: ${(err as Error).message}`);
  }
}

function signerAt(where: LedgerLocation): CheckpointSigner | undefined {
  return existsSync(where.signingKeyFile)
    ? CheckpointSigner.fromPem(readFileSync(where.signingKeyFile, 'utf8'))
    : undefined;
}

/** Verifies the live ledger, or an exported file with nothing but a public key. */
export async function auditVerify(
  opts: { file?: string; publicKey?: string },
  where: LedgerLocation = location(),
): Promise<LedgerVerdict> {
  if (opts.file) {
    if (!opts.publicKey)
      throw new AuditCommandError(
        '--file needs --public-key <pem>: an export is verified against the key the agency published',
      );
    try {
      return await verifyExport(opts.file, readPublicKey(opts.publicKey));
    } catch (err) {
      if (err instanceof LedgerExportInvalid) throw new AuditCommandError(`the export is malformed: ${err.message}`);
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new AuditCommandError(`no such file: ${opts.file}`);
      throw err;
    }
  }
  const store = await openLedger(where);
  try {
    const key = opts.publicKey ? readPublicKey(opts.publicKey) : signerAt(where)?.publicKey;
    return await verifyLedger(store.records(), await store.checkpoints(), key ? { publicKey: key } : {});
  } finally {
    await store.close();
  }
}

function describeVerdict(v: LedgerVerdict): string {
  if (v.ok) return `ledger verified: ${v.records} records, signed through record ${v.signedThrough}\n`;
  return `LEDGER BROKEN at record ${v.firstBroken}: ${v.reason}\n(${v.records} records checked)\n`;
}

const pct = (rate: number | null) => (rate === null ? '-' : `${Math.round(rate * 100)}%`);
const secs = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(1)}s`);

/**
 * The ledger's own admin commands, run on the host that keeps it: `govmesh-audit verify | export |
 * public-key | scorecards | timeline` (what `govmesh audit …` runs). Only the audit service's
 * program opens its ledger; read-only, except `export`, which signs the head first.
 */
export function ledgerAdminProgram(): Command {
  const audit = new Command('govmesh audit')
    .description(
      'verify, export and read the tamper-evident audit ledger, on the host that keeps it (the program govmesh-audit with no command runs the audit service)',
    )
    .showHelpAfterError();
  const run = (action: () => Promise<void>) => async () => {
    try {
      await action();
    } catch (err) {
      if (!(err instanceof AuditCommandError)) throw err;
      process.stderr.write(`govmesh audit: ${err.message}\n`);
      process.exitCode = err.exitCode;
    }
  };

  audit
    .command('verify')
    .description(
      'recompute the hash chain and check the signed checkpoints; exits 1 when broken, naming the first broken record',
    )
    .option('--file <export>', 'verify an exported ledger (JSON Lines) instead of the live one')
    .option('--public-key <pem>', 'the public key to check signatures with (required with --file)')
    .option('--json', 'print { ok, records, firstBroken, reason, signedThrough }')
    .action(function (this: Command) {
      const opts = this.opts<{ file?: string; publicKey?: string; json?: boolean }>();
      return run(async () => {
        const verdict = await auditVerify(opts);
        process.stdout.write(opts.json ? `${JSON.stringify(verdict)}\n` : describeVerdict(verdict));
        process.exitCode = verdict.ok ? 0 : 1;
      })();
    });

  audit
    .command('export')
    .description('write the ledger as JSON Lines, signing its head first, for verification offline')
    .requiredOption('-o, --out <file>', 'where to write the export')
    .action(function (this: Command) {
      const { out } = this.opts<{ out: string }>();
      return run(async () => {
        const where = location();
        const signer = signerAt(where);
        const store = await openLedger(where, { writer: true });
        try {
          const summary = await exportLedger(store, out, signer);
          process.stdout.write(
            `exported ${summary.records} records and ${summary.checkpoints} checkpoints to ${out}\n`,
          );
          if (!signer)
            process.stderr.write(`warning: no signing key at ${where.signingKeyFile}; the head is not signed\n`);
        } finally {
          await store.close();
        }
      })();
    });

  audit
    .command('public-key')
    .description("print the public key that verifies this ledger's checkpoints (give it to auditors)")
    .action(() =>
      run(() => {
        const signer = signerAt(location());
        if (!signer) throw new AuditCommandError('no signing key yet: it is made when the audit service first starts');
        process.stdout.write(signer.publicKeyPem());
        return Promise.resolve();
      })(),
    );

  audit
    .command('scorecards')
    .description('partner scorecards per task type, from the ledger')
    .option('--since <time>', 'only events from this RFC 3339 time on')
    .option('--json', 'print the scorecards as JSON')
    .action(function (this: Command) {
      const opts = this.opts<{ since?: string; json?: boolean }>();
      return run(async () => {
        const since = opts.since ? new Date(opts.since) : undefined;
        if (since && Number.isNaN(since.getTime()))
          throw new AuditCommandError(`--since ${opts.since} is not a time (use RFC 3339)`);
        const store = await openLedger(location());
        try {
          const cards = await scorecardsOf(store.records(), since ? { from: since } : {});
          process.stdout.write(
            opts.json
              ? `${JSON.stringify(cards, null, 2)}\n`
              : table(
                  cards.map((c) => ({
                    partner: c.partnerId,
                    task: c.taskType,
                    assigned: c.assigned,
                    'on time': c.completedOnTime,
                    late: c.late,
                    invalid: c.rejectedInvalid,
                    rework: c.sentBackForRework,
                    median: secs(c.turnaroundMs.median),
                    p95: secs(c.turnaroundMs.p95),
                    approved: pct(c.reviewApprovalRate),
                    score: c.score === null ? '-' : c.score.toFixed(2),
                  })),
                ),
          );
        } finally {
          await store.close();
        }
      })();
    });

  audit
    .command('timeline')
    .description('every recorded event of one case, in order, with its actor')
    .argument('<caseId>')
    .option('--citizen', "the applicant's view: plain words, no internal details")
    .option('--json', 'print as JSON')
    .action(function (this: Command, caseId: string) {
      const opts = this.opts<{ citizen?: boolean; json?: boolean }>();
      return run(async () => {
        const store = await openLedger(location());
        try {
          const records = await store.caseRecords(caseId);
          if (records.length === 0) throw new AuditCommandError(`the ledger holds nothing for case ${caseId}`);
          const entries = opts.citizen ? citizenTimeline(records) : auditTimeline(records);
          if (opts.json) process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
          else if (opts.citizen)
            process.stdout.write(table(citizenTimeline(records).map((e) => ({ time: e.time, what: e.what }))));
          else
            process.stdout.write(
              table(
                auditTimeline(records).map((e) => ({
                  seq: e.seq,
                  time: e.time,
                  event: e.type.replace(/^gov\.govmesh\./, ''),
                  actor: `${e.actor.kind}:${e.actor.id}`,
                })),
              ),
            );
        } finally {
          await store.close();
        }
      })();
    });
  return audit;
}
