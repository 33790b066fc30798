import type { DomainEventKind } from './domain-events.js';

/**
 * The one owner of govmesh's identifiers on the wire: task ids, and the ids of every event the
 * platform emits. Each is deterministic from what it names, so a retried publish writes the same
 * id and the ledger keeps one.
 */

/** A partner task is one step of one case: `<caseId>:<stepId>` (step ids hold no colon). */
export function taskIdOf(caseId: string, stepId: string): string {
  return `${caseId}:${stepId}`;
}

/** The case and step a task id names, or undefined when it is no govmesh task id. */
export function parseTaskId(taskId: string): { caseId: string; stepId: string } | undefined {
  const at = taskId.lastIndexOf(':');
  if (at <= 0 || at === taskId.length - 1) return undefined;
  return { caseId: taskId.slice(0, at), stepId: taskId.slice(at + 1) };
}

/** What identifies one of a case's domain events; `sequence` counts the case's events. */
export interface CaseEventKey {
  readonly caseId: string;
  readonly stepId?: string;
  readonly attempt?: number;
  readonly kind: DomainEventKind;
  readonly sequence: number;
}

/** A case's domain event: `<caseId>/<stepId|case>/<attempt>/<kind>/<sequence>`. */
export function domainEventId(event: CaseEventKey): string {
  return [event.caseId, event.stepId ?? 'case', event.attempt ?? 0, event.kind, event.sequence].join('/');
}

/** A dispatch's event in a case started before the journal numbered dispatches (its retries keep it). */
export function unnumberedDispatchEventId(caseId: string, stepId: string, attempt: number): string {
  return `${caseId}/${stepId}/${attempt}/taskDispatched`;
}

/** The one erasure of a case's personal data (retention or request): its Temporal workflow id. */
export function caseErasureId(caseId: string): string {
  return `${caseId}/erasure`;
}

/** A message to a partner about one attempt of its task: `<taskId>/<attempt>/<assigned|revoked|erased>`. */
export function taskMessageId(taskId: string, attempt: number, what: 'assigned' | 'revoked' | 'erased'): string {
  return `${taskId}/${attempt}/${what}`;
}

/** Where a Kafka message was read: what an event caused by it (a refusal, a dead letter) is named after. */
export interface MessagePosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** `<topic>/<partition>/<offset>`: the id of the message as a cause. */
export function messageId(m: MessagePosition): string {
  return `${m.topic}/${m.partition}/${m.offset}`;
}

/** An event emitted because of a message read at `m`: `<topic>/<partition>/<offset>/<what>`. */
export function eventIdFromMessage(m: MessagePosition, what: 'rejected' | 'resultRejected' | 'dead-letter'): string {
  return `${messageId(m)}/${what}`;
}

/** A citizen rates a case once: the rating's event id says so, and the ledger keeps the first. */
export function satisfactionRatedEventId(caseId: string): string {
  return `${caseId}/case/0/satisfactionRated/rating`;
}
