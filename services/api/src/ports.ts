import type { AuditTimelineEntry, CitizenTimelineEntry, LedgerVerdict } from '@govmesh/contracts/audit-record';
import type { PartnerProfile } from '@govmesh/contracts/partner-profile';
import type { InboxPage } from '@govmesh/case-client';
import type { PartnerKafkaAccess } from '@govmesh/messaging';
import type { PartnerScorecard, ServiceTransparency } from '@govmesh/contracts/partner-scorecard';
import type { ServiceDefinition } from '@govmesh/contracts/service-definition';
import type { PinnedContracts } from '@govmesh/contracts/standards';
import type {
  CaseState,
  CitizenInput,
  OfficerDecision,
  OfficerTaskClaim,
  OfficerTaskEntry,
  OfficerTaskHold,
  PartnerTaskRevocation,
  CaseWithdrawal,
} from '@govmesh/workflows/case-api';
import type { ErasureOrder, ErasureReport } from '@govmesh/workflows/case-erasure';

/** The running cases, in Temporal (@govmesh/case-client's CaseClient); failures are its CaseFailures. */
export interface CaseEngine {
  /** Starts the case with the contract revisions it validates against for its whole life. */
  start(
    caseId: string,
    definition: ServiceDefinition,
    application: Record<string, unknown>,
    contracts: PinnedContracts,
  ): Promise<void>;
  /** Undefined when there is no such case. */
  state(caseId: string): Promise<CaseState | undefined>;
  /** When the case ended (Temporal closed it); undefined while it runs, or when there is no such case. */
  endedAt(caseId: string): Promise<Date | undefined>;
  /**
   * The running cases waiting for one of these officer roles, from one visibility query, each with
   * the officer tasks its memo lists (`tasks` undefined: a case too old to list them; ask it).
   */
  officerInbox(
    roles: readonly string[],
  ): Promise<ReadonlyArray<{ caseId: string; tasks?: readonly OfficerTaskEntry[] }>>;
  /**
   * One page of that inbox, the cases overdue at the first page's `now` first, then newest case
   * first, from one or two visibility queries whatever the number of open cases; `nextPageToken`
   * when more wait. Throws InvalidPageToken for a token it did not give.
   */
  officerInboxPage(
    roles: readonly string[],
    page: { readonly pageSize: number; readonly pageToken?: string },
    now: Date,
  ): Promise<InboxPage<{ caseId: string; tasks?: readonly OfficerTaskEntry[] }>>;
  /** An officer claims or releases an officer task; answers who holds it and its version. */
  claim(caseId: string, claim: OfficerTaskClaim): Promise<OfficerTaskHold>;
  decide(caseId: string, decision: OfficerDecision): Promise<void>;
  provideInput(caseId: string, input: CitizenInput): Promise<void>;
  revoke(caseId: string, revocation: PartnerTaskRevocation): Promise<void>;
  /** The applicant withdraws the case (refused once it has ended). */
  withdraw(caseId: string, withdrawal: CaseWithdrawal): Promise<void>;
  /** The cases that closed at or after `since`, with when, oldest first (one visibility query). */
  casesClosedSince(since: Date): Promise<ReadonlyArray<{ caseId: string; closedAt: Date }>>;
  /** Erases a closed case's personal data (refused while it runs) and answers what was done. */
  erase(order: ErasureOrder): Promise<ErasureReport>;
}

/** The partner registry on Kafka: topics, credentials, profiles, and taking work back on suspension. */
export interface PartnerRegistry {
  /** Creates the partner's topics, its Kafka user and ACLs; the access is answered once, never kept. */
  onboard(profile: PartnerProfile): Promise<PartnerKafkaAccess>;
  /** Gives the partner's Kafka user a new password; the old one stops working at once. */
  rotateCredentials(partnerId: string): Promise<PartnerKafkaAccess>;
  /** Publishes the new status; on suspension or termination, returns the tasks moved elsewhere. Termination revokes the Kafka user. */
  changeStatus(profile: PartnerProfile, reason: string): Promise<{ moved: readonly string[] }>;
}

/** The audit ledger's read model (the audit service's); failures are AuditUnavailable. */
export interface AuditReader {
  scorecards(window?: { from?: Date; to?: Date }): Promise<PartnerScorecard[]>;
  /** Every record of the case with its actor, in order; empty when there is none. */
  auditTimeline(caseId: string): Promise<AuditTimelineEntry[]>;
  /** The case in plain words for its applicant. */
  citizenTimeline(caseId: string): Promise<CitizenTimelineEntry[]>;
  verify(): Promise<LedgerVerdict>;
  transparency(): Promise<ServiceTransparency[]>;
}

/** Events the API itself records (a citizen's rating). */
export interface EventRecorder {
  satisfactionRated(caseId: string, score: number): Promise<void>;
}

export interface Readiness {
  /** Each engine with whether it answers. */
  check(): Promise<Record<string, { ok: boolean; detail?: string }>>;
}
