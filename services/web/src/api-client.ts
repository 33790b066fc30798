import { nextPageTokenOf } from '@govmesh/contracts/api-paging';
import { retryAfterSecondsOf } from '@govmesh/contracts/retry-after';
import { traceContextAttributes } from '@govmesh/telemetry';

import type { FormSchema, PublishedForm } from './application-form.js';

/** One problem the API names: where, what, and for a value a schema refuses, the rule broken. */
export interface ProblemIssue {
  readonly path: string;
  readonly message: string;
  /** The JSON Schema keyword (`type`, `maxLength`, …) and its parameters: the page words it in its language. */
  readonly rule?: string;
  readonly params?: Readonly<Record<string, unknown>>;
}

/** An RFC 9457 problem the API answered, with the fields it names. */
export class ApiProblem extends Error {
  override readonly name = 'ApiProblem';
  readonly retriable: boolean;
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly errors: readonly ProblemIssue[] = [],
    /** The API's Retry-After, when it said when to ask again. */
    readonly retryAfterSeconds?: number,
  ) {
    super(detail);
    this.retriable = status >= 500 || status === 429;
  }
}

/** The API could not be reached at all. */
export class ApiUnreachable extends Error {
  override readonly name = 'ApiUnreachable';
  readonly code = 'WEB.API_UNREACHABLE';
  readonly retriable = true;
}

export interface ServiceSummary {
  readonly id: string;
  readonly version: number;
  readonly title: string;
  readonly ownerAgency: string;
  readonly status: 'active' | 'deprecated' | 'retired';
  readonly liveVersion: number | null;
}

export interface ServiceDetail extends ServiceSummary {
  readonly definition: { readonly application?: { readonly schema?: string } } & Record<string, unknown>;
  readonly versions: ReadonlyArray<{
    readonly version: number;
    readonly status: 'active' | 'deprecated' | 'retired';
    readonly contracts?: { readonly application: { readonly ref: string; readonly revision: number } };
  }>;
}

export interface CurrentStep {
  readonly stepId: string;
  readonly status: string;
  readonly says: string;
  readonly deadline?: string;
  /** The agency's own system did not take the step up in time; an officer is doing it instead. */
  readonly delayed?: true;
}

export interface MyCase {
  readonly caseId: string;
  readonly serviceId: string;
  readonly submittedAt: string;
  readonly status: string;
  readonly decision?: string;
  readonly currentStep: CurrentStep | null;
}

export interface CaseView {
  readonly caseId: string;
  readonly serviceId: string;
  readonly serviceVersion: number;
  readonly status: string;
  readonly decision?: string;
  readonly currentStep: CurrentStep | null;
  readonly deadline: string | null;
  /** The statutory clock: paused while the case waits on the applicant, breached once past. */
  readonly deadlineStatus?: 'running' | 'paused' | 'breached';
  /** Once the case has ended: the applicant may rate the service until then. */
  readonly ratingOpenUntil?: string;
  /** `event` and `values` let the page word each line in its reader's language; `what` is English. */
  readonly timeline: ReadonlyArray<{
    readonly time: string;
    readonly what: string;
    readonly event?: string;
    readonly values?: Readonly<Record<string, string>>;
  }>;
}

/** One service's public figures; a null count was withheld as too small to publish. */
export interface PublicFigures {
  readonly serviceId: string;
  readonly received: number | null;
  readonly completed: number | null;
  readonly failed: number | null;
  readonly withinStatutoryDeadline: number | null;
  /** Cases past their legal time limit (absent from an older API). */
  readonly statutoryBreaches?: number | null;
  readonly medianProcessingMs: number | null;
  readonly satisfaction: { readonly ratings: number | null; readonly average: number | null };
  readonly suppressedBelow: number;
}

/** A task waiting for an officer, as the inbox lists it. */
export interface OfficerTask {
  readonly taskId: string;
  readonly caseId: string;
  readonly stepId: string;
  readonly serviceId: string;
  readonly kind: 'officer' | 'review';
  readonly role: string;
  readonly deadline: string | null;
  /** For a review: the partner's output waiting for approval. */
  readonly output?: Record<string, unknown>;
  /** The task's version: a claim or decision sends it, so a stale screen cannot act. */
  readonly version?: number;
  /** The officer who has claimed it. */
  readonly claimedBy?: string;
}

export interface InboxPageRequest {
  readonly pageSize: number;
  readonly pageToken?: string;
}

export interface InboxPageAnswer {
  readonly tasks: OfficerTask[];
  readonly nextPageToken?: string;
}

/** A task as the case holds it now; a review after rework with the attempt sent back. */
export interface OfficerTaskDetail extends OfficerTask {
  readonly previousAttempt?: {
    readonly attempt: number;
    readonly output: Record<string, unknown>;
    readonly reasons: readonly string[];
  };
}

export interface OfficerDecision {
  readonly decision: 'approve' | 'reject' | 'request-rework';
  readonly reasons?: string[];
  readonly output?: Record<string, unknown>;
  /** The version the officer's claim answered. */
  readonly version?: number;
}

export interface PartnerScorecard {
  readonly partnerId: string;
  readonly taskType: string;
  readonly assigned: number;
  readonly onTimeRate: number | null;
  readonly score: number | null;
  readonly turnaroundMs: { readonly median: number | null; readonly p95: number | null; readonly samples: number };
}

export interface LedgerVerdict {
  readonly ok: boolean;
  readonly records: number;
  readonly firstBroken: number | null;
  readonly reason: string | null;
  readonly signedThrough: number;
}

export interface AuditEntry {
  readonly seq: number;
  readonly time: string;
  readonly type: string;
  readonly actor: { readonly kind: string; readonly id: string };
  readonly hash: string;
}

export interface PartnerProfile {
  readonly id: string;
  readonly name: string;
  readonly capabilities: readonly string[];
  readonly status: 'active' | 'suspended' | 'terminated';
}

/** What a partner needs to reach Kafka: answered once, at onboarding or rotation, and kept nowhere. */
export interface PartnerKafkaAccess {
  readonly brokers: readonly string[];
  readonly mechanism: string;
  readonly username: string;
  readonly password: string;
  readonly tls: boolean;
}

/** What the pages ask of the API; the same routes and role checks as every other client. */
export interface PortalApi {
  services(): Promise<ServiceSummary[]>;
  service(id: string): Promise<ServiceDetail>;
  form(ref: string, revision?: number): Promise<PublishedForm>;
  submit(
    token: string,
    serviceId: string,
    application: Record<string, unknown>,
    idempotencyKey: string,
  ): Promise<{ caseId: string }>;
  myCases(token: string): Promise<MyCase[]>;
  /** The running cases of one of the caller's agency's services (no applicant named). */
  liveCases(token: string, serviceId: string): Promise<MyCase[]>;
  case(token: string, caseId: string): Promise<CaseView>;
  /** One version of a service's definition (what a step asks of the citizen). */
  definition(serviceId: string, version: number): Promise<Record<string, unknown>>;
  provideInput(token: string, caseId: string, stepId: string, values: Record<string, unknown>): Promise<void>;
  rate(token: string, caseId: string, score: number): Promise<void>;
  withdraw(token: string, caseId: string, reason: string): Promise<void>;
  transparency(): Promise<PublicFigures[]>;
  scorecards(token: string, window?: { since: string; until: string }): Promise<PartnerScorecard[]>;
  verifyLedger(token: string): Promise<LedgerVerdict>;
  auditTrail(token: string, caseId: string): Promise<AuditEntry[]>;
  /**
   * One page of the officer's inbox: the tasks of up to `pageSize` cases, the cases overdue
   * first, with the token of the next page when more wait (`pageToken` asks for it).
   */
  inbox(token: string, page: InboxPageRequest): Promise<InboxPageAnswer>;
  publishService(token: string, id: string, definition: unknown): Promise<{ id: string; version: number }>;
  partners(token: string): Promise<PartnerProfile[]>;
  onboardPartner(token: string, profile: unknown): Promise<PartnerProfile & { kafka: PartnerKafkaAccess }>;
  changePartner(token: string, id: string, status: PartnerProfile['status'], reason: string): Promise<void>;
  rotateCredentials(token: string, id: string): Promise<PartnerKafkaAccess>;
  /** One task as the case holds it now. */
  task(token: string, taskId: string): Promise<OfficerTaskDetail>;
  /** Claims (or releases) a task at the version the officer saw; answers the new version. */
  claimTask(
    token: string,
    taskId: string,
    action: 'claim' | 'release',
    version: number | undefined,
  ): Promise<{ version: number; claimedBy: string | null }>;
  decide(token: string, taskId: string, decision: OfficerDecision): Promise<void>;
  /** An officer takes a partner's task back, with a reason (the case reassigns or falls back). */
  revokePartnerTask(token: string, taskId: string, reason: string): Promise<void>;
  /** A task type's latest revision: its title and input and output schemas. */
  taskType(ref: string): Promise<{ title: string; output: FormSchema }>;
}

/** The API over HTTP. */
export class HttpPortalApi implements PortalApi {
  constructor(private readonly baseUrl: string) {}

  private async call<T>(path: string, init: RequestInit & { token?: string } = {}): Promise<T> {
    return (await this.callFor<T>(path, init)).body;
  }

  /** As call, with the answer's headers (a page's `Link`). */
  private async callFor<T>(
    path: string,
    init: RequestInit & { token?: string } = {},
  ): Promise<{ body: T; headers: Headers }> {
    const { token, headers, ...rest } = init;
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl.replace(/\/$/, '')}${path}`, {
        ...rest,
        headers: {
          accept: 'application/json',
          // The page's trace goes on into the API.
          ...traceContextAttributes(),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(headers as Record<string, string> | undefined),
        },
        signal: AbortSignal.timeout(15_000),
      });
    } catch (err) {
      throw new ApiUnreachable(`the API at ${this.baseUrl} did not answer: ${(err as Error).message}`, { cause: err });
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      const p = (body ?? {}) as { code?: string; detail?: string; errors?: ProblemIssue[] };
      throw new ApiProblem(
        response.status,
        p.code ?? `HTTP.${response.status}`,
        p.detail ?? response.statusText,
        p.errors,
        retryAfterSecondsOf(response.headers.get('retry-after')),
      );
    }
    return { body: body as T, headers: response.headers };
  }

  services(): Promise<ServiceSummary[]> {
    return this.call('/v1/services');
  }

  service(id: string): Promise<ServiceDetail> {
    return this.call(`/v1/services/${encodeURIComponent(id)}`);
  }

  form(ref: string, revision?: number): Promise<PublishedForm> {
    const [name, major] = ref.split('@');
    const base = `/v1/forms/${encodeURIComponent(name ?? '')}/${encodeURIComponent(major ?? '')}`;
    return this.call(revision === undefined ? base : `${base}/revisions/${revision}`);
  }

  submit(token: string, serviceId: string, application: Record<string, unknown>, idempotencyKey: string) {
    return this.call<{ caseId: string }>('/v1/cases', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
      body: JSON.stringify({ serviceId, application }),
    });
  }

  myCases(token: string): Promise<MyCase[]> {
    return this.call('/v1/cases', { token });
  }

  liveCases(token: string, serviceId: string): Promise<MyCase[]> {
    return this.call(`/v1/services/${encodeURIComponent(serviceId)}/cases`, { token });
  }

  case(token: string, caseId: string): Promise<CaseView> {
    return this.call(`/v1/cases/${encodeURIComponent(caseId)}`, { token });
  }

  definition(serviceId: string, version: number): Promise<Record<string, unknown>> {
    return this.call(`/v1/services/${encodeURIComponent(serviceId)}/versions/${version}`);
  }

  async provideInput(token: string, caseId: string, stepId: string, values: Record<string, unknown>): Promise<void> {
    await this.call(`/v1/cases/${encodeURIComponent(caseId)}/input`, {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ stepId, values }),
    });
  }

  async inbox(token: string, page: InboxPageRequest): Promise<InboxPageAnswer> {
    const query = new URLSearchParams({ pageSize: String(page.pageSize) });
    if (page.pageToken !== undefined) query.set('pageToken', page.pageToken);
    const answer = await this.callFor<OfficerTask[]>(`/v1/tasks?${query.toString()}`, { token });
    const nextPageToken = nextPageTokenOf(answer.headers.get('link'));
    return { tasks: answer.body, ...(nextPageToken !== undefined ? { nextPageToken } : {}) };
  }

  publishService(token: string, id: string, definition: unknown): Promise<{ id: string; version: number }> {
    return this.call(`/v1/services/${encodeURIComponent(id)}`, {
      method: 'PUT',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(definition),
    });
  }

  partners(token: string): Promise<PartnerProfile[]> {
    return this.call('/v1/partners', { token });
  }

  onboardPartner(token: string, profile: unknown): Promise<PartnerProfile & { kafka: PartnerKafkaAccess }> {
    return this.call('/v1/partners', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(profile),
    });
  }

  async changePartner(token: string, id: string, status: PartnerProfile['status'], reason: string): Promise<void> {
    await this.call(`/v1/partners/${encodeURIComponent(id)}`, {
      method: 'PATCH',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status, reason }),
    });
  }

  async rotateCredentials(token: string, id: string): Promise<PartnerKafkaAccess> {
    const { kafka } = await this.call<{ kafka: PartnerKafkaAccess }>(
      `/v1/partners/${encodeURIComponent(id)}/credentials`,
      { method: 'POST', token },
    );
    return kafka;
  }

  scorecards(token: string, window?: { since: string; until: string }): Promise<PartnerScorecard[]> {
    const query = window ? `?${new URLSearchParams(window).toString()}` : '';
    return this.call(`/v1/scorecards${query}`, { token });
  }

  verifyLedger(token: string): Promise<LedgerVerdict> {
    return this.call('/v1/audit/verify', { token });
  }

  auditTrail(token: string, caseId: string): Promise<AuditEntry[]> {
    return this.call(`/v1/cases/${encodeURIComponent(caseId)}/audit`, { token });
  }

  task(token: string, taskId: string): Promise<OfficerTaskDetail> {
    return this.call(`/v1/tasks/${encodeURIComponent(taskId)}`, { token });
  }

  claimTask(
    token: string,
    taskId: string,
    action: 'claim' | 'release',
    version: number | undefined,
  ): Promise<{ version: number; claimedBy: string | null }> {
    return this.call(`/v1/tasks/${encodeURIComponent(taskId)}/${action}`, {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(version !== undefined ? { version } : {}),
    });
  }

  async decide(token: string, taskId: string, decision: OfficerDecision): Promise<void> {
    await this.call(`/v1/tasks/${encodeURIComponent(taskId)}/decision`, {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(decision),
    });
  }

  async revokePartnerTask(token: string, taskId: string, reason: string): Promise<void> {
    await this.call(`/v1/tasks/${encodeURIComponent(taskId)}/revoke`, {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason }),
    });
  }

  taskType(ref: string): Promise<{ title: string; output: FormSchema }> {
    const [name, major] = ref.split('@');
    return this.call(`/v1/task-types/${encodeURIComponent(name ?? '')}/${encodeURIComponent(major ?? '')}`);
  }

  transparency(): Promise<PublicFigures[]> {
    return this.call('/v1/transparency');
  }

  async withdraw(token: string, caseId: string, reason: string): Promise<void> {
    await this.call(`/v1/cases/${encodeURIComponent(caseId)}/withdrawal`, {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason }),
    });
  }

  async rate(token: string, caseId: string, score: number): Promise<void> {
    await this.call(`/v1/cases/${encodeURIComponent(caseId)}/rating`, {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ score }),
    });
  }
}
