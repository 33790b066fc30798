import { DOMAIN_EVENTS } from '@govmesh/contracts/domain-events';
import type { AuditActor, AuditRecord } from '@govmesh/contracts/audit-record';
import type { DomainEvent } from '@govmesh/contracts/domain-events';

import { hash } from 'node:crypto';

import { canonicalJson, digestOf } from './canonical-hash.js';

export type Actor = AuditActor;
export type ActorKind = AuditActor['kind'];

/** What is appended for one domain event, before it gets its place in the chain. */
export interface LedgerEntry {
  readonly eventId: string;
  readonly time: string;
  readonly type: string;
  readonly caseId: string;
  readonly actor: Actor;
  /** Identifiers, codes and field names from the event; free text is kept out and only digested. */
  readonly facts: Readonly<Record<string, unknown>>;
  /** SHA-256 over the canonical JSON of the whole event `data`. */
  readonly payloadDigest: string;
}

/** One record of the chain: an entry, its sequence number and its link to the record before. */
export type LedgerRecord = AuditRecord;

/** What the read model counts of a record: its place, time, kind, case and facts, not its chain fields. */
export type LedgerFacts = Pick<LedgerRecord, 'seq' | 'time' | 'type' | 'caseId' | 'facts'>;

export const GENESIS_HASH = '0'.repeat(64);

// Free text can quote an applicant (an officer's reasons, a rejection message): digested, not stored.
const FREE_TEXT = new Set(['reason', 'reasons', 'correlationId']);

function actorOf(event: DomainEvent): Actor {
  const data = event.data as Record<string, unknown>;
  switch (event.type) {
    case DOMAIN_EVENTS.resultAccepted.type:
    case DOMAIN_EVENTS.resultRejected.type:
      return { kind: 'partner', id: String(data.partnerId) };
    case DOMAIN_EVENTS.reviewDecided.type:
      return { kind: 'officer', id: String(data.officerId) };
    case DOMAIN_EVENTS.caseSubmitted.type:
    case DOMAIN_EVENTS.citizenInputProvided.type:
    case DOMAIN_EVENTS.satisfactionRated.type:
      return { kind: 'citizen', id: 'applicant' };
    default: {
      const component = /^\/govmesh\/(.+)$/.exec(event.source)?.[1];
      return component ? { kind: 'system', id: component } : { kind: 'agency', id: event.source };
    }
  }
}

/** The ledger entry of a domain event: ids and digests only. */
export function ledgerEntryOf(event: DomainEvent): LedgerEntry {
  const data = event.data as Record<string, unknown>;
  const facts = Object.fromEntries(Object.entries(data).filter(([key]) => !FREE_TEXT.has(key)));
  return {
    eventId: event.id,
    time: event.time,
    type: event.type,
    caseId: String(data.correlationId),
    actor: actorOf(event),
    facts,
    payloadDigest: digestOf(data),
  };
}

/** The hash of a record: SHA-256 over the canonical JSON of everything in it but the hash. */
export function recordHash(record: Omit<LedgerRecord, 'hash'>): string {
  return sha256Hex(recordCanonicalJson(record, canonicalJson(record.facts)));
}

/**
 * An entry's record at its place in the chain, and its facts' canonical JSON: the text the store
 * writes is the text the hash covers, made once.
 */
export function chainRecord(
  entry: LedgerEntry,
  seq: number,
  prevHash: string,
): { record: LedgerRecord; factsJson: string } {
  const factsJson = canonicalJson(entry.facts);
  // Built member by member: spreading the entry twice per record was a tenth of an append.
  const { eventId, time, type, caseId, actor, facts, payloadDigest } = entry;
  const unsigned = { eventId, time, type, caseId, actor, facts, payloadDigest, seq, prevHash };
  const hash = sha256Hex(recordCanonicalJson(unsigned, factsJson));
  return { record: { eventId, time, type, caseId, actor, facts, payloadDigest, seq, prevHash, hash }, factsJson };
}

/**
 * The RFC 8785 form of a record without its hash, given its facts' canonical JSON: the same bytes
 * as `canonicalJson` of the record (tested against it), with the record's own members, all
 * strings but `seq`, written in their sorted order instead of sorted again for every record. Only
 * the facts vary in shape; they are canonicalized once, for the hash and the row.
 */
export function recordCanonicalJson(record: Omit<LedgerRecord, 'hash'>, factsJson: string): string {
  const { seq, eventId, time, type, caseId, actor, payloadDigest, prevHash } = record;
  if (!Number.isSafeInteger(seq)) throw new TypeError(`a record's seq must be an integer, not ${String(seq)}`);
  return (
    `{"actor":${canonicalJson(actor)},"caseId":${jsonString(caseId, 'caseId')},"eventId":${jsonString(eventId, 'eventId')}` +
    `,"facts":${factsJson},"payloadDigest":${jsonString(payloadDigest, 'payloadDigest')}` +
    `,"prevHash":${jsonString(prevHash, 'prevHash')},"seq":${seq},"time":${jsonString(time, 'time')},"type":${jsonString(type, 'type')}}`
  );
}

/** A string member as RFC 8785 writes it (canonicalJson refuses a lone surrogate), named if it is not one. */
function jsonString(value: unknown, member: string): string {
  if (typeof value !== 'string') throw new TypeError(`a record's ${member} must be a string`);
  return canonicalJson(value);
}

/** One-shot SHA-256 (no Hash object per record). */
function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}
