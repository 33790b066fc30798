import {
  AUDIT_READ_MODEL,
  AuditTimelineEntry,
  CitizenTimelineEntry,
  LedgerVerdict,
  caseReadPath,
} from '@govmesh/contracts/audit-record';
import { PartnerScorecard, ServiceTransparency } from '@govmesh/contracts/partner-scorecard';
import { retryAfterSecondsOf } from '@govmesh/contracts/retry-after';
import { traceContextAttributes } from '@govmesh/telemetry';
import type { z } from 'zod';

import type { AuditReader } from '../ports.js';

/** The audit service did not answer, or answered something else than its read model: try again later. */
export class AuditUnavailable extends Error {
  override readonly name = 'AuditUnavailable';
  readonly code = 'AUDIT.UNAVAILABLE';
  readonly retriable = true;

  constructor(
    message: string,
    /** When the audit service said when to ask again (its read model reading the ledger). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/**
 * Reads the audit ledger through the audit service's read model (its HTTP API), never its
 * store: the ledger has one owner. Answers are checked against the contracts' schemas.
 */
export class HttpAuditReader implements AuditReader {
  constructor(
    private readonly baseUrl: string,
    private readonly secret: string,
    private readonly timeoutMs = 15_000,
  ) {}

  private async get<T>(path: string, schema: z.ZodType<T>): Promise<T> {
    const url = new URL(path, this.baseUrl);
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { authorization: `Bearer ${this.secret}`, accept: 'application/json', ...traceContextAttributes() },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new AuditUnavailable(`the audit service at ${url.origin} does not answer (${(err as Error).message})`);
    }
    if (!response.ok) {
      const problem = (await response.json().catch(() => ({}))) as { detail?: string };
      throw new AuditUnavailable(
        `the audit service answered ${response.status} for ${url.pathname}${problem.detail ? `: ${problem.detail}` : ''}`,
        retryAfterSecondsOf(response.headers.get('retry-after')),
      );
    }
    const parsed = schema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success)
      throw new AuditUnavailable(`the audit service answered ${url.pathname} with something else than its read model`);
    return parsed.data;
  }

  auditTimeline(caseId: string): Promise<AuditTimelineEntry[]> {
    return this.get(caseReadPath(AUDIT_READ_MODEL.auditTimeline, caseId), AuditTimelineEntry.array());
  }

  citizenTimeline(caseId: string): Promise<CitizenTimelineEntry[]> {
    return this.get(caseReadPath(AUDIT_READ_MODEL.citizenTimeline, caseId), CitizenTimelineEntry.array());
  }

  scorecards(window: { from?: Date; to?: Date } = {}): Promise<PartnerScorecard[]> {
    const query = new URLSearchParams();
    if (window.from) query.set('from', window.from.toISOString());
    if (window.to) query.set('to', window.to.toISOString());
    const search = query.size > 0 ? `?${query.toString()}` : '';
    return this.get(`${AUDIT_READ_MODEL.scorecards}${search}`, PartnerScorecard.array());
  }

  verify(): Promise<LedgerVerdict> {
    return this.get(AUDIT_READ_MODEL.verify, LedgerVerdict);
  }

  transparency(): Promise<ServiceTransparency[]> {
    return this.get(AUDIT_READ_MODEL.transparency, ServiceTransparency.array());
  }
}
