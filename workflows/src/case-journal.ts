import { domainEventId, type CaseEventKey } from '@govmesh/contracts/case-ids';
import type { DomainEventKind } from '@govmesh/contracts/domain-events';
import { CancellationScope, condition } from '@temporalio/workflow';

import type { DomainEventRecord } from './case-activities.js';

export interface JournalOptions {
  /** Cases started before events were batched record each event as it happens. */
  readonly batched: boolean;
  /** Cases started before dispatches were numbered leave a dispatch's event out of the chain. */
  readonly numbersDispatches: boolean;
  /** Records one event at once; returns its id. */
  readonly recordOne: (event: DomainEventRecord) => Promise<string>;
  /** Publishes the events kept so far, in order, in one send. */
  readonly publish: (events: readonly DomainEventRecord[]) => Promise<void>;
}

/**
 * The case's domain events, numbered and chained (each caused by the one before). The only place
 * that knows about batching: events are kept until the case next waits, calls out or ends, and
 * every step that does so goes through `flushThen` or `waitUntil`, so none can forget to publish
 * first. Inside parallel steps each event is recorded as it happens: there, how branches
 * interleave would decide how many publishes there are, and a replay that sees two results at
 * once, where the first run saw them one after the other, would schedule them differently.
 */
export class CaseJournal {
  private readonly pending: DomainEventRecord[] = [];
  private sequence = 0;
  private parallelDepth = 0;
  private lastEventId: string;
  private lastDispatch: Omit<CaseEventKey, 'kind'> | undefined;
  private beforeDispatch:
    { sequence: number; lastEventId: string; lastDispatch: Omit<CaseEventKey, 'kind'> | undefined } | undefined;
  /**
   * Keeps what Temporal's visibility shows of the case up to date: called each time the case is
   * about to wait, and when a claim changes who holds an officer task during a wait.
   */
  refreshVisibility: () => void = () => undefined;

  constructor(
    private readonly caseId: string,
    private readonly options: JournalOptions,
  ) {
    this.lastEventId = caseId;
  }

  /** The id of the last event recorded: what the next message the case sends was caused by. */
  get causationId(): string {
    return this.lastEventId;
  }

  async record(kind: DomainEventKind, data: Record<string, unknown>, stepId?: string, attempt?: number): Promise<void> {
    this.sequence += 1;
    const event: DomainEventRecord = {
      kind,
      caseId: this.caseId,
      causationId: this.lastEventId,
      sequence: this.sequence,
      data,
      ...(stepId ? { stepId } : {}),
      ...(attempt ? { attempt } : {}),
    };
    if (!this.options.batched || this.parallelDepth > 0) {
      this.lastEventId = await this.options.recordOne(event);
      return;
    }
    this.pending.push(event);
    this.lastEventId = domainEventId(event);
  }

  /**
   * Publishes what was kept, then calls out. With nothing kept the case must not await at all,
   * so that its steps interleave exactly as they did before batching.
   */
  flushThen<T>(callOut: () => Promise<T>): Promise<T> {
    return this.pending.length > 0 ? this.publish().then(callOut) : callOut();
  }

  /**
   * What ends every wait of the case early, by throwing (the applicant withdrew). Unset for cases
   * started before withdrawals: their waits stay exactly as they were recorded.
   */
  interruption: (() => Error | undefined) | undefined;

  /** `condition`, once the ledger has every event so far: a case may wait for weeks. */
  waitUntil(fn: () => boolean): Promise<void>;
  waitUntil(fn: () => boolean, timeoutMs: number): Promise<boolean>;
  waitUntil(fn: () => boolean, timeoutMs?: number): Promise<void | boolean> {
    this.refreshVisibility();
    const interruption = this.interruption;
    if (!interruption)
      return this.flushThen<void | boolean>(() => (timeoutMs === undefined ? condition(fn) : condition(fn, timeoutMs)));
    const until = () => fn() || interruption() !== undefined;
    return this.flushThen<void | boolean>(() =>
      timeoutMs === undefined ? condition(until) : condition(until, timeoutMs),
    ).then((done) => {
      const interrupted = interruption();
      if (interrupted) throw interrupted;
      return done;
    });
  }

  /**
   * A dispatch's place in the chain: the sequence its event (sent by the dispatch activity) gets,
   * and what caused it. The next event the case records names the dispatch as its cause, so the
   * ledger's causation chain has no gap. Nothing for cases started before dispatches were numbered.
   */
  numberDispatch(stepId: string, attempt: number): { causationId: string; dispatchSequence?: number } {
    const causationId = this.lastEventId;
    if (!this.options.numbersDispatches) return { causationId };
    this.beforeDispatch = { sequence: this.sequence, lastEventId: this.lastEventId, lastDispatch: this.lastDispatch };
    this.sequence += 1;
    this.lastDispatch = { caseId: this.caseId, stepId, attempt, sequence: this.sequence };
    this.lastEventId = domainEventId({ ...this.lastDispatch, kind: 'taskDispatched' });
    return { causationId, dispatchSequence: this.sequence };
  }

  /**
   * The dispatch found no partner and sent no task, so it has no event: its number and the chain
   * go back to what they were before it.
   */
  nothingDispatched(): void {
    if (!this.beforeDispatch) return;
    ({ sequence: this.sequence, lastEventId: this.lastEventId, lastDispatch: this.lastDispatch } = this.beforeDispatch);
    this.beforeDispatch = undefined;
  }

  /** The dispatch was refused: its event is `dispatchRefused`, and it is what comes next's cause. */
  dispatchRefused(): void {
    if (this.lastDispatch) this.lastEventId = domainEventId({ ...this.lastDispatch, kind: 'dispatchRefused' });
  }

  /** The kept events, handed to a dispatch that publishes them ahead of the task in one send. */
  takePending(): { precedingEvents?: DomainEventRecord[] } {
    return this.pending.length > 0 ? { precedingEvents: this.pending.splice(0) } : {};
  }

  /** Runs parallel branches, each recording its events as they happen. */
  async inParallel(branches: () => Promise<unknown>): Promise<void> {
    if (this.pending.length > 0) await this.publish();
    this.parallelDepth += 1;
    try {
      await branches();
    } finally {
      this.parallelDepth -= 1;
    }
  }

  /** At the end: whatever is left is published, even when the case failed or was cancelled. */
  async close(outcome: 'ended' | 'failed'): Promise<void> {
    if (this.pending.length === 0) return;
    if (outcome === 'ended') await this.publish();
    else await CancellationScope.nonCancellable(() => this.publish());
  }

  private publish(): Promise<void> {
    return this.options.publish(this.pending.splice(0));
  }
}
