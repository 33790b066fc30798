import { statSync } from 'node:fs';

import type { PartnerScorecard, PartnerStanding, ServiceTransparency } from '@govmesh/contracts/partner-scorecard';
import type { Logger } from 'pino';

import type { LedgerStore } from './ledger-store.js';
import { TALLY_CODE, snapshotHeader, snapshotLines, writeSnapshot } from './read-model-snapshot.js';
import { sharedRuns } from './shared-runs.js';
import { SnapshotDamaged, list, type SnapshotLine } from './snapshot-lines.js';
import { ScorecardTally, type ScorecardWindow } from './scorecards.js';
import { TransparencyTally } from './transparency.js';

/** How far a read of the ledger into the model has come. */
export interface ReadProgress {
  /** Records read so far in this read. */
  readonly read: number;
  /**
   * Records this read has to take (those appended after it began come in the next); undefined
   * until the read has proved long, as only then is the ledger asked for it.
   */
  readonly total: number | undefined;
  /** At the pace so far; undefined until the pace and the total are known. */
  readonly secondsLeft: number | undefined;
  /**
   * While a start takes its snapshot back, before it reads the records after it: bytes of the
   * snapshot read so far, of its size (`secondsLeft` is then for the snapshot).
   */
  readonly snapshot?: { readonly bytes: number; readonly totalBytes: number };
}

const mb = (bytes: number) => (bytes / 1_000_000).toFixed(1);
const percent = (done: number, whole: number) => (whole === 0 ? 100 : Math.floor((done / whole) * 100));

/** Seconds until `whole` is done at the pace of `done` in `elapsedMs`; undefined before any is done. */
function secondsAtPace(done: number, whole: number, elapsedMs: number): number | undefined {
  if (done <= 0 || elapsedMs <= 0) return undefined;
  return Math.ceil((Math.max(0, whole - done) / done) * (elapsedMs / 1000));
}

/**
 * The model cannot answer within the caller's bound, for a reason that passes (a long read, a
 * snapshot being written): the caller is told why, how far it has come, and when to ask again.
 */
export abstract class ReadModelBusy extends Error {
  readonly retriable = true;
  abstract readonly code: string;

  /**
   * @param doing what the model is busy with and how far it has come
   * @param secondsLeft when that should be done, by its pace so far; undefined until it is known
   */
  constructor(
    doing: string,
    readonly secondsLeft: number | undefined,
  ) {
    super(
      `the audit read model is ${doing}` +
        (secondsLeft === undefined ? '' : `, about ${secondsLeft} s left`) +
        '; ask again then',
    );
  }
}

/**
 * The model is still reading the ledger (at a service's start, the whole ledger): an answer now
 * would leave out what it has not read, so the caller is told how far it has come and to ask again.
 */
export class ReadModelCatchingUp extends ReadModelBusy {
  override readonly name = 'ReadModelCatchingUp';
  readonly code = 'AUDIT.CATCHING_UP';

  constructor(readonly progress: ReadProgress) {
    const { read, total, secondsLeft, snapshot } = progress;
    super(
      snapshot
        ? `taking back its snapshot, then the records after it: ${mb(snapshot.bytes)} of ` +
            `${mb(snapshot.totalBytes)} MB (${percent(snapshot.bytes, snapshot.totalBytes)} %)`
        : 'reading the ledger: ' +
            (total === undefined
              ? `${read.toLocaleString('en')} records so far`
              : `${read.toLocaleString('en')} of ${total.toLocaleString('en')} records (${percent(read, total)} %)`),
      secondsLeft,
    );
  }
}

/** How far the writing of a snapshot has come. */
export interface SnapshotProgress {
  /** Written so far. */
  readonly bytes: number;
  /** The last snapshot's size, which this one is about; undefined before the first. */
  readonly expectedBytes: number | undefined;
  /** At this write's pace (or the last's, before the first byte); undefined until known. */
  readonly secondsLeft: number | undefined;
}

/**
 * The model is writing its snapshot, which holds the tallies still for as long as it takes (a
 * second at a few hundred thousand cases; more, past a million): the caller is told so, how far
 * the write has come and to ask again, rather than kept waiting past its bound.
 */
export class ReadModelSavingSnapshot extends ReadModelBusy {
  override readonly name = 'ReadModelSavingSnapshot';
  readonly code = 'AUDIT.SAVING_SNAPSHOT';

  constructor(readonly progress: SnapshotProgress) {
    const { bytes, expectedBytes, secondsLeft } = progress;
    super(
      'writing its snapshot: ' +
        (expectedBytes === undefined
          ? `${mb(bytes)} MB so far`
          : `${mb(bytes)} of about ${mb(expectedBytes)} MB (${Math.min(99, percent(bytes, expectedBytes))} %)`),
      secondsLeft,
    );
  }
}

export interface LedgerReadModelOptions {
  readonly logger?: Logger;
  /** How often a long read says how far it has come, in the log. */
  readonly progressEveryMs?: number;
  /** Where the model keeps a snapshot of its tallies, so that a start need not read the whole ledger. */
  readonly snapshot?: ReadModelSnapshotOptions;
}

export interface ReadModelSnapshotOptions {
  /** The audit service's own file. */
  readonly file: string;
  /** A new snapshot once this many records have been read since the last (and at `saveSnapshot`). */
  readonly everyRecords?: number;
}

/** How long a caller will wait for the model to read what was appended before its call. */
export interface AnswerBound {
  /**
   * Past this, refused with ReadModelCatchingUp and how far the read has come, rather than kept
   * waiting (a long read, such as the whole ledger at the service's start); no bound when absent.
   */
  readonly answerWithinMs?: number;
}

/**
 * A read that has lasted this long asks the ledger for its head, so its progress has a total: a
 * short read (the standings' read each second takes a few records) costs no extra query.
 */
const LONG_READ_MS = 1_000;

/**
 * The scorecards, the standings and the public figures, kept by following the ledger: each read
 * takes only the records appended since the last, so an answer costs what is new plus one pass
 * over the tallies, not a read of the whole ledger. A request for the public figures (no sign-in)
 * or the API's metrics scrape read the whole ledger each time before, and so did the standings.
 *
 * Every answer is read after it was asked for: a caller waits for a read that began after its
 * call, which everyone asking meanwhile shares, so concurrent callers cost one read.
 */
export class LedgerReadModel {
  private scorecardTally = new ScorecardTally();
  private transparencyTally = new TransparencyTally();
  private lastSeq = 0;
  private reading: { fromSeq: number; toSeq: number | undefined; readonly startedAt: number } | undefined;
  private readonly logger: Logger | undefined;
  private readonly progressEveryMs: number;
  private readonly snapshot: Required<ReadModelSnapshotOptions> | undefined;
  private snapshotTried = false;
  /** Records read since the last snapshot was written or taken back. */
  private sinceSnapshot = 0;
  private snapshotAsked = false;
  /** The snapshot a start is taking back: when it began, its size and how many bytes it has read. */
  private restoring:
    { readonly startedAt: number; readonly totalBytes: number; readonly read: { bytes: number } } | undefined;
  /** The snapshot write under way, and how many bytes it has written. */
  private saving: { readonly startedAt: number; readonly written: { bytes: number } } | undefined;
  /** The last snapshot written or taken back: its size, and how long its write took (when this process wrote it). */
  private lastSnapshot: { readonly bytes: number; readonly ms: number | undefined } | undefined;

  constructor(
    private readonly store: LedgerStore,
    { logger, progressEveryMs = 10_000, snapshot }: LedgerReadModelOptions = {},
  ) {
    this.logger = logger;
    this.progressEveryMs = progressEveryMs;
    this.snapshot = snapshot && { everyRecords: 250_000, ...snapshot };
  }

  /** The sequence number of the last record the model holds. */
  get seq(): number {
    return this.lastSeq;
  }

  /** Reads what was appended since the last read; resolved once the read that began after the call ends. */
  readonly catchUp: () => Promise<void> = sharedRuns(() => this.read());

  /** How far the read under way has come; undefined between reads. */
  get progress(): ReadProgress | undefined {
    const reading = this.reading;
    if (!reading) return undefined;
    const restoring = this.restoring;
    if (restoring) {
      const { bytes } = restoring.read;
      const atPace = secondsAtPace(bytes, restoring.totalBytes, performance.now() - restoring.startedAt);
      const secondsLeft = atPace === undefined ? undefined : Math.max(1, atPace);
      return { read: 0, total: undefined, secondsLeft, snapshot: { bytes, totalBytes: restoring.totalBytes } };
    }
    const read = this.lastSeq - reading.fromSeq;
    if (reading.toSeq === undefined) return { read, total: undefined, secondsLeft: undefined };
    const total = Math.max(read, reading.toSeq - reading.fromSeq);
    return { read, total, secondsLeft: secondsAtPace(read, total, performance.now() - reading.startedAt) };
  }

  /** How far the snapshot write under way has come; undefined when none is. */
  get snapshotProgress(): SnapshotProgress | undefined {
    const saving = this.saving;
    if (!saving) return undefined;
    const { bytes } = saving.written;
    const last = this.lastSnapshot;
    // Before its first byte, at the pace of the last write this process made.
    const atPace =
      last === undefined
        ? undefined
        : bytes > 0
          ? secondsAtPace(bytes, last.bytes, performance.now() - saving.startedAt)
          : last.ms
            ? Math.ceil(last.ms / 1000)
            : undefined;
    return { bytes, expectedBytes: last?.bytes, secondsLeft: atPace === undefined ? undefined : Math.max(1, atPace) };
  }

  /**
   * Resolved once the model has read what was appended before the call, like every answer; if
   * that takes longer than `ms` (a long read, such as the whole ledger at the service's start, or
   * a snapshot being written), refused with why and how far that has come, rather than kept waiting.
   */
  private async caughtUpWithin(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), ms);
    });
    const caughtUp = this.catchUp();
    try {
      const first = await Promise.race([caughtUp.then(() => 'caught-up' as const), late]);
      if (first === 'late') {
        caughtUp.catch(() => undefined); // the work goes on; its failure is logged where it runs
        if (this.reading) await this.knowTotal();
        const progress = this.progress;
        if (progress) throw new ReadModelCatchingUp(progress);
        const saving = this.snapshotProgress;
        if (saving) throw new ReadModelSavingSnapshot(saving);
      }
      await caughtUp;
    } finally {
      clearTimeout(timer);
    }
  }

  async scorecards(window: ScorecardWindow = {}, bound: AnswerBound = {}): Promise<PartnerScorecard[]> {
    await this.caughtUp(bound);
    return this.scorecardTally.scorecards(window);
  }

  async standings(): Promise<PartnerStanding[]> {
    await this.catchUp();
    return this.scorecardTally.standings();
  }

  async transparency(bound: AnswerBound = {}): Promise<ServiceTransparency[]> {
    await this.caughtUp(bound);
    return this.transparencyTally.figures();
  }

  private caughtUp({ answerWithinMs }: AnswerBound): Promise<void> {
    return answerWithinMs === undefined ? this.catchUp() : this.caughtUpWithin(answerWithinMs);
  }

  /**
   * Reads what is new and writes a snapshot of the tallies, if they hold anything the last did not
   * (at the service's stop: the next start reads only what comes after).
   */
  async saveSnapshot(): Promise<void> {
    if (!this.snapshot) return;
    this.snapshotAsked = true;
    await this.catchUp();
  }

  /** Asks the ledger how far the read under way has to go, once per read. */
  private async knowTotal(): Promise<void> {
    const reading = this.reading;
    if (!reading || reading.toSeq !== undefined) return;
    const { seq } = await this.store.head();
    reading.toSeq ??= seq;
  }

  private async read(): Promise<void> {
    const started = performance.now();
    // Asked before this read began (a read under way when it was asked does not count as its).
    const snapshotAsked = this.snapshotAsked;
    this.snapshotAsked = false;
    this.reading = { fromSeq: this.lastSeq, toSeq: undefined, startedAt: started };
    // The first read of a long-used ledger takes a while (14 s for 150,000 cases' 2.1 million
    // records at a govmesh up start): a snapshot spares most of it, and a long read says how far
    // it has come, and when it is done.
    let saidAt = started;
    let from = this.lastSeq;
    try {
      if (this.snapshot && !this.snapshotTried) {
        this.snapshotTried = true;
        if (await this.restoreSnapshot(this.snapshot.file)) from = this.reading.fromSeq = this.lastSeq;
      }
      for await (const record of this.store.facts(this.lastSeq + 1)) {
        this.scorecardTally.add(record);
        this.transparencyTally.add(record);
        this.lastSeq = record.seq;
        if ((record.seq & 1023) !== 0) continue;
        const now = performance.now();
        const sayNow = this.logger !== undefined && now - saidAt >= this.progressEveryMs;
        if (sayNow || now - started >= LONG_READ_MS) await this.knowTotal();
        if (sayNow) {
          saidAt = now;
          this.logger?.info(this.progress, 'ledger read model reading');
        }
      }
    } finally {
      this.reading = undefined;
    }
    const ms = performance.now() - started;
    if (ms > 1_000)
      this.logger?.info({ records: this.lastSeq - from, ms: Math.round(ms) }, 'ledger read model caught up');
    this.sinceSnapshot += this.lastSeq - from;
    if (this.snapshot && this.sinceSnapshot > 0 && (snapshotAsked || this.sinceSnapshot >= this.snapshot.everyRecords))
      await this.writeSnapshot(this.snapshot.file);
  }

  /**
   * Takes the tallies back from the snapshot, if it is this code's and the ledger still holds its
   * last record: true when it did. Otherwise (or a damaged file) says why, and the read goes on
   * from the ledger's start.
   */
  private async restoreSnapshot(file: string): Promise<boolean> {
    const began = performance.now();
    const notUsed = (reason: string) => {
      this.logger?.warn({ file, reason }, 'ledger read model snapshot not used; reading the whole ledger');
      return false;
    };
    try {
      const header = await snapshotHeader(file);
      if (!header) return false;
      // A caller told to wait meanwhile is told how far this has come (a second at 100,000 cases).
      this.restoring = { startedAt: began, totalBytes: statSync(file).size, read: { bytes: 0 } };
      if (header.code !== TALLY_CODE) return notUsed('it was written by other tally code (an earlier govmesh)');
      const { seq: headSeq } = await this.store.head();
      if (header.seq > headSeq)
        return notUsed(`it holds ${header.seq} records and the ledger ${headSeq}: it is another ledger's`);
      if ((await this.store.hashAt(header.seq)) !== header.hash)
        return notUsed(`the ledger's record ${header.seq} is not the one it was taken at: it is another ledger's`);
      const scorecards = new ScorecardTally();
      const transparency = new TransparencyTally();
      for await (const line of snapshotLines(file, this.restoring.read)) {
        const inner: SnapshotLine = list(line[1]);
        if (line[0] === 's') scorecards.restore(inner);
        else if (line[0] === 't') transparency.restore(inner);
        else throw new SnapshotDamaged(`a line of unknown kind ${JSON.stringify(line[0])}`);
      }
      this.scorecardTally = scorecards;
      this.transparencyTally = transparency;
      this.lastSeq = header.seq;
      this.sinceSnapshot = 0;
      this.lastSnapshot = { bytes: this.restoring.totalBytes, ms: undefined };
      this.logger?.info(
        { seq: header.seq, takenAt: header.writtenAt, ms: Math.round(performance.now() - began) },
        'ledger read model taken from its snapshot; reading the records after it',
      );
      return true;
    } catch (err) {
      return notUsed((err as Error).message);
    } finally {
      this.restoring = undefined;
    }
  }

  private async writeSnapshot(file: string): Promise<void> {
    const began = performance.now();
    const seq = this.lastSeq;
    const { scorecardTally, transparencyTally } = this;
    function* lines(): Generator<SnapshotLine> {
      for (const line of scorecardTally.snapshot()) yield ['s', line];
      for (const line of transparencyTally.snapshot()) yield ['t', line];
    }
    // Callers past their bound meanwhile are told so, with how far the write has come.
    const saving = (this.saving = { startedAt: began, written: { bytes: 0 } });
    try {
      const hash = await this.store.hashAt(seq);
      if (hash === undefined) return;
      // Inside the read's run: no other read changes the tallies while they are written.
      const { bytes } = await writeSnapshot(file, { seq, hash }, lines(), saving.written);
      const ms = performance.now() - began;
      this.sinceSnapshot = 0;
      this.lastSnapshot = { bytes, ms };
      this.logger?.info({ seq, bytes, ms: Math.round(ms) }, 'ledger read model snapshot written');
    } catch (err) {
      this.logger?.warn(
        { err, file },
        'ledger read model snapshot not written; the next start reads more of the ledger',
      );
    } finally {
      this.saving = undefined;
    }
  }
}
