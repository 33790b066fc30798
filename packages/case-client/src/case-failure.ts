import { RejectionCode } from '@govmesh/contracts/task-messages';
import { CASE_BUSY } from '@govmesh/workflows/case-api';
import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';

/**
 * What went wrong talking to a case, in govmesh's terms. Every error a Temporal client raises for
 * a case message is classified here and nowhere else: the API turns these into problems, the
 * bridge into rejections sent to the partner, partner suspension into "already settled".
 */
export abstract class CaseFailure extends Error {
  abstract readonly code: string;
  abstract readonly retriable: boolean;
}

/** The case refused the message (an Update validator): its code and the reasons, for the sender. */
export class CaseRefused extends CaseFailure {
  readonly retriable = false;
  constructor(
    readonly code: string,
    message: string,
    readonly reasons: readonly string[],
  ) {
    super(message);
  }

  /** The code as a partner-facing rejection, when the case refused with one of those. */
  get rejectionCode(): RejectionCode | undefined {
    const parsed = RejectionCode.safeParse(this.code);
    return parsed.success ? parsed.data : undefined;
  }
}

/** No such case, or it has ended: nothing can be delivered to it. */
export class CaseClosed extends CaseFailure {
  readonly code = 'CASE.CLOSED';
  readonly retriable = false;
  constructor(readonly caseId: string) {
    super(`case ${caseId} is not open`);
  }
}

/** The case did not answer in time (its worker is down or busy): worth trying again later. */
export class CaseUnreachable extends CaseFailure {
  readonly code = 'CASE.UNREACHABLE';
  readonly retriable = true;
  constructor(caseId: string, timeoutMs: number, options?: ErrorOptions) {
    super(`case ${caseId} did not answer within ${timeoutMs / 1000} s (is its worker running?)`, options);
  }
}

/**
 * The case refused the message as busy (a call of its own had not returned to it) for as long as
 * the client was allowed to send it again: nothing is wrong with the message; send it later.
 */
export class CaseBusy extends CaseFailure {
  readonly code = CASE_BUSY;
  readonly retriable = true;
  constructor(caseId: string, timeoutMs: number) {
    super(
      `case ${caseId} was busy for ${timeoutMs / 1000} s, refusing the message each time it was sent: send it later`,
    );
  }
}

/** An erasure was ordered for a case that has not closed: it is erased only once it has. */
export class CaseStillRunning extends CaseFailure {
  readonly code = 'ERASURE.CASE_RUNNING';
  readonly retriable = false;
  constructor(readonly caseId: string) {
    super(`case ${caseId} is still running: it is erased once it has closed (or been withdrawn)`);
  }
}

// Temporal reports an Update to a case that has just ended as a plain service error whose
// message says so; this is the only place that reads a message to know.
const ENDED = /already completed|workflow execution .*not found/i;
const GRPC_DEADLINE_EXCEEDED = 4;

/** The case failure an error from the Temporal client means, or undefined when it is none (rethrow it). */
export function classify(err: unknown, caseId: string, timeoutMs = 0): CaseFailure | undefined {
  if (err instanceof CaseFailure) return err;
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    if (err.cause.type === CASE_BUSY) return new CaseBusy(caseId, timeoutMs);
    const details: unknown = err.cause.details?.[0];
    const reasons = Array.isArray(details) ? details.map(String) : [err.cause.message];
    return new CaseRefused(err.cause.type ?? 'CASE.REFUSED', err.cause.message, reasons);
  }
  if (err instanceof WorkflowNotFoundError) return new CaseClosed(caseId);
  if (err instanceof Error && ENDED.test(err.message)) return new CaseClosed(caseId);
  const code = (err as { code?: unknown }).code;
  if (code === GRPC_DEADLINE_EXCEEDED || (err instanceof Error && /deadline exceeded/i.test(err.message)))
    return new CaseUnreachable(caseId, timeoutMs, { cause: err });
  return undefined;
}
