import { DOMAIN_EVENTS } from '@govmesh/contracts/domain-events';
import type { AuditActor, AuditRecord } from '@govmesh/contracts/audit-record';
import type { DomainEvent } from '@govmesh/contracts/domain-events';

import { digestOf } from './canonical-hash.js';

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
  const { seq, eventId, time, type, caseId, actor, facts, payloadDigest, prevHash } = record;
  return digestOf({ seq, eventId, time, type, caseId, actor, facts, payloadDigest, prevHash });
}
