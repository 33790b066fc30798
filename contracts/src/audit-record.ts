import { z } from 'zod';

import { Rfc3339 } from './cloud-event.js';

const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 digest in lowercase hex');

/** Who caused a ledger record. A citizen is never named: the ledger holds no personal data. */
export const AuditActor = z.object({
  kind: z.enum(['agency', 'officer', 'partner', 'citizen', 'system']),
  id: z.string().min(1),
});
export type AuditActor = z.infer<typeof AuditActor>;

/**
 * One record of the hash-chained audit ledger. `hash` is SHA-256 over the RFC 8785 canonical
 * JSON of every other field; `prevHash` is the hash of the record before (64 zeros for the first).
 */
export const AuditRecord = z.object({
  seq: z.number().int().min(1),
  eventId: z.string().min(1),
  time: Rfc3339,
  type: z.string().min(1),
  caseId: z.string().min(1),
  actor: AuditActor,
  /** Identifiers, codes and field names from the event; free text is only digested. */
  facts: z.record(z.string(), z.unknown()),
  /** SHA-256 over the canonical JSON of the event's whole `data`. */
  payloadDigest: Sha256Hex,
  prevHash: Sha256Hex,
  hash: Sha256Hex,
});
export type AuditRecord = z.infer<typeof AuditRecord>;

/** A signed statement of the chain's head: Ed25519 over the canonical JSON of the other four fields. */
export const AuditCheckpoint = z.object({
  seq: z.number().int().min(1),
  headHash: Sha256Hex,
  signedAt: Rfc3339,
  /** SHA-256 of the signing public key (SPKI DER), hex. */
  keyId: Sha256Hex,
  signature: z.string().min(1),
});
export type AuditCheckpoint = z.infer<typeof AuditCheckpoint>;

export const LEDGER_EXPORT_FORMAT = 'govmesh-ledger-export/1';

/**
 * An exported ledger is JSON Lines: this header, then one `{ "record": … }` per record in order,
 * then one `{ "checkpoint": … }` per signed checkpoint.
 */
export const LedgerExportHeader = z.object({
  format: z.literal(LEDGER_EXPORT_FORMAT),
  exportedAt: Rfc3339,
  records: z.number().int().min(0),
  /** For information only: a verifier uses the public key it got from the agency, not this one. */
  publicKey: z.string().optional(),
});
export const ExportRecordLine = z.object({ record: AuditRecord }).strict();
export const ExportCheckpointLine = z.object({ checkpoint: AuditCheckpoint }).strict();
export const LedgerExportLine = z.union([ExportRecordLine, ExportCheckpointLine]);
export type LedgerExportLine = z.infer<typeof LedgerExportLine>;

/** One line of a case's history as an auditor sees it: everything, with who did it. */
export const AuditTimelineEntry = AuditRecord.pick({
  seq: true,
  time: true,
  type: true,
  actor: true,
  facts: true,
  hash: true,
});
export type AuditTimelineEntry = z.infer<typeof AuditTimelineEntry>;

/**
 * What a line of the citizen's timeline says, as a code: a page words it in its reader's language
 * from the code and its `values`; `what` is the same in English, for any other reader.
 */
export const CITIZEN_TIMELINE_EVENTS = [
  'received',
  'step-started',
  'step-done',
  'step-skipped',
  'input-requested',
  'input-provided',
  'time-limit-paused',
  'time-limit-resumed',
  'time-limit-breached',
  'registry-read',
  'agency-delayed',
  'step-undone',
  'completed',
  'decided',
  'failed',
  'withdrawn-by-applicant',
  'withdrawn-no-answer',
  'rated',
  'erased',
] as const;
export type CitizenTimelineEvent = (typeof CITIZEN_TIMELINE_EVENTS)[number];

/** One line of a case's history as its applicant sees it: plain words, no internals. */
export const CitizenTimelineEntry = z.object({
  time: Rfc3339,
  what: z.string().min(1),
  event: z.enum(CITIZEN_TIMELINE_EVENTS).optional(),
  /** What the words need: `step`, `fields`, `registry`, `agency`, `purpose`, `decision`, `due`. */
  values: z.record(z.string(), z.string()).optional(),
});
export type CitizenTimelineEntry = z.infer<typeof CitizenTimelineEntry>;

/** The ledger's verdict on itself: what `govmesh audit verify --json` prints and the API answers. */
export const LedgerVerdict = z.object({
  ok: z.boolean(),
  records: z.number().int().min(0),
  firstBroken: z.number().int().min(1).nullable(),
  reason: z.string().nullable(),
  /** The last record covered by an authentic checkpoint; 0 when none is. */
  signedThrough: z.number().int().min(0),
});
export type LedgerVerdict = z.infer<typeof LedgerVerdict>;

/**
 * The audit service's read model over HTTP (for the API; a bearer secret guards it). Paths are
 * relative to GOVMESH_AUDIT_URL; each answers JSON of the schema named beside it.
 */
export const AUDIT_READ_MODEL = {
  /** AuditTimelineEntry[]; empty when the ledger holds nothing for the case. */
  auditTimeline: '/v1/cases/:caseId/audit-timeline',
  /** CitizenTimelineEntry[] */
  citizenTimeline: '/v1/cases/:caseId/citizen-timeline',
  /** PartnerScorecard[]; `?from=&to=` (RFC 3339) narrow the window. */
  scorecards: '/v1/scorecards',
  /** LedgerVerdict */
  verify: '/v1/verify',
  /** ServiceTransparency[] */
  transparency: '/v1/transparency',
  /** `{ ok: true, records }`, unauthenticated: whether the read model answers. */
  health: '/health',
} as const;

/** A case's path of the read model: `template` with the case id in place of `:caseId`. */
export function caseReadPath(template: string, caseId: string): string {
  return template.replace(':caseId', encodeURIComponent(caseId));
}
