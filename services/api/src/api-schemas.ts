import { CitizenTimelineEntry } from '@govmesh/contracts/audit-record';
import { PartnerProfile, PartnerStatus } from '@govmesh/contracts/partner-profile';
import { parseTaskId } from '@govmesh/contracts/case-ids';
import { ServiceDefinition } from '@govmesh/contracts/service-definition';
import { PartnerScorecard, ServiceTransparency } from '@govmesh/contracts/partner-scorecard';
import { parseInboxPageToken } from '@govmesh/case-client';
import { PartnerKafkaAccess } from '@govmesh/messaging';
import { z } from 'zod';

export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string(),
  code: z.string().optional(),
  errors: z
    .array(
      z.object({
        path: z.string(),
        message: z.string(),
        /** A value the schema refuses: the JSON Schema keyword broken, and its parameters. */
        rule: z.string().optional(),
        params: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .optional(),
});

/** What a route that sends a message to a case answers when the case cannot take it now. */
export const CASE_NOT_ANSWERING = {
  description:
    'the case did not answer in time (CASE.UNREACHABLE) or stayed busy (CASE.BUSY); nothing was taken: send it again after Retry-After',
  schema: Problem,
} as const;

/** What a route that changes a partner's Kafka user answers when the broker does not. */
export const BROKER_NOT_ANSWERING = {
  description: 'the message broker did not answer; nothing was changed, send it again (Retry-After)',
  schema: Problem,
} as const;

const Id = z.string().min(1).max(200).describe('the id of the service, case or partner the path names');
export const IdParams = z.object({ id: Id });
export const VersionParams = z.object({
  id: Id,
  version: z.coerce.number().int().min(1).describe('the version of the service definition'),
});

/** A service definition as published; its full format is `contracts/schemas/json-schema/service-definition.json`. */
export const DefinitionBody = z.record(z.string(), z.unknown());
/** What the document shows for it: the definition's own schema (the route reports every problem at once). */
export const SERVICE_DEFINITION_DOCUMENT = z.toJSONSchema(ServiceDefinition, { io: 'input', unrepresentable: 'any' });
/** What the document shows for an onboarding: the partner profile's own schema. */
export const PARTNER_PROFILE_DOCUMENT = z.toJSONSchema(PartnerProfile, { io: 'input', unrepresentable: 'any' });

export const ServiceSummary = z.object({
  id: z.string(),
  version: z.number().int(),
  title: z.string(),
  ownerAgency: z.string(),
  publishedAt: z.string(),
  status: z.enum(['active', 'deprecated', 'retired']).describe("this version's lifecycle"),
  liveVersion: z.number().int().nullable().describe('the version new cases start on; null when all are retired'),
});
const ContractPinsView = z.object({
  application: z.object({ ref: z.string(), revision: z.number().int() }),
  taskTypes: z.record(z.string(), z.number().int()),
});
export const PublishedService = ServiceSummary.extend({
  contracts: ContractPinsView.describe('the exact contract revisions every case of this version uses'),
  warnings: z
    .array(z.object({ path: z.string(), message: z.string() }))
    .describe('allowed, but should change: a contract inside its deprecation window'),
});
export const ServiceDetail = ServiceSummary.extend({
  definition: z.record(z.string(), z.unknown()),
  versions: z.array(
    z.object({
      version: z.number().int(),
      status: z.enum(['active', 'deprecated', 'retired']),
      publishedAt: z.string(),
      publishedBy: z.string(),
      contracts: ContractPinsView.optional(),
    }),
  ),
});

export const SubmitCase = z.object({
  serviceId: z.string().min(1),
  application: z.record(z.string(), z.unknown()),
});
export const CaseAccepted = z.object({
  caseId: z.string(),
  serviceId: z.string(),
  serviceVersion: z.number().int(),
  status: z.literal('submitted'),
});

const CurrentStep = z.object({
  stepId: z.string(),
  status: z.string().describe("the step's state, e.g. awaiting-officer, for a front end to say in its own language"),
  says: z.string(),
  deadline: z.string().optional(),
  /** The agency's own system did not take the step up in time; an officer is doing it instead. */
  delayed: z.literal(true).optional(),
});

export const CaseView = z.object({
  caseId: z.string(),
  serviceId: z.string(),
  serviceVersion: z.number().int(),
  status: z.enum(['running', 'completed', 'failed', 'withdrawn']),
  decision: z.string().optional(),
  currentStep: CurrentStep.nullable(),
  deadline: z.string().nullable(),
  /**
   * The statutory clock: `paused` while the case waits on the applicant (the deadline moves on by
   * that time), `breached` once the case is past it; absent when the service states no deadline.
   */
  deadlineStatus: z.enum(['running', 'paused', 'breached']).optional(),
  /** Once the case has ended: the applicant may rate the service until then (RATING_WINDOW_DAYS after its end). */
  ratingOpenUntil: z.string().optional(),
  timeline: z.array(CitizenTimelineEntry),
});

export const MyCase = z.object({
  caseId: z.string(),
  serviceId: z.string(),
  serviceVersion: z.number().int(),
  submittedAt: z.string(),
  status: z.enum(['running', 'completed', 'failed', 'withdrawn', 'erased']),
  decision: z.string().optional(),
  currentStep: CurrentStep.nullable(),
});

export const CitizenInputBody = z.object({
  stepId: z.string().min(1),
  values: z.record(z.string(), z.unknown()).refine((v) => Object.keys(v).length > 0, 'give at least one value'),
});
export const RatingBody = z.object({ score: z.number().int().min(1).max(5) });
export const WithdrawalBody = z.object({
  reason: z.string().trim().min(1, 'say why, in a few words').max(2000),
});

/** The most cases one inbox page may hold. */
export const MAX_INBOX_PAGE = 500;

/** The inbox's paging: none for the whole inbox; pageSize for one page, and the last page's token for the next. */
export const OfficerInboxQuery = z
  .object({
    pageSize: z.coerce
      .number()
      .int()
      .min(1)
      .max(MAX_INBOX_PAGE)
      .optional()
      .describe(`cases per page, 1 to ${MAX_INBOX_PAGE}; without it, the whole inbox`),
    pageToken: z
      .string()
      .max(8192)
      .refine(
        (t) => parseInboxPageToken(t) !== undefined,
        "not a page token this inbox gave: send the Link header's, or none",
      )
      .optional()
      .describe("the next page: the token from the last page's Link header"),
  })
  .refine((q) => q.pageToken === undefined || q.pageSize !== undefined, {
    path: ['pageSize'],
    message: 'a pageToken needs the pageSize of the pages it continues',
  });

export const OfficerTaskView = z.object({
  taskId: z.string(),
  caseId: z.string(),
  stepId: z.string(),
  serviceId: z.string(),
  kind: z.enum(['officer', 'review']),
  role: z.string(),
  deadline: z.string().nullable(),
  /** For a review: the partner's output waiting for approval. */
  output: z.record(z.string(), z.unknown()).optional(),
  /** The task's version: send it with a claim or decision so a stale screen cannot act. */
  version: z.number().int().optional(),
  /** The officer who has claimed the task, if any: nobody else may decide it. */
  claimedBy: z.string().optional(),
});
/** One task as it stands now (read from the case, not the inbox's index), with a review's earlier attempt. */
export const OfficerTaskDetail = OfficerTaskView.extend({
  /** A review after rework: the output sent back, and why. */
  previousAttempt: z
    .object({
      attempt: z.number().int(),
      output: z.record(z.string(), z.unknown()),
      reasons: z.array(z.string()),
    })
    .optional(),
});
/** A claim or its release, at the version of the task the officer's screen shows. */
export const ClaimBody = z.object({
  version: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe('the task version the officer saw; refused (409) if it moved on'),
});
export const TaskHold = z.object({
  taskId: z.string(),
  version: z.number().int(),
  claimedBy: z.string().nullable(),
});
export const TaskIdParams = z.object({
  id: z
    .string()
    .refine((id) => parseTaskId(id) !== undefined, 'a task id is <caseId>:<stepId>')
    .describe('the task: <caseId>:<stepId>'),
});
export const DecisionBody = z.object({
  decision: z.enum(['approve', 'reject', 'request-rework', 'request-information']),
  reasons: z.array(z.string().min(1).max(2000)).max(20).optional(),
  output: z.record(z.string(), z.unknown()).optional(),
  version: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe('the task version the officer saw (from the claim); a decision from an older screen is refused (409)'),
});
export const RevokeBody = z.object({ reason: z.string().min(5, 'say why, in a few words').max(2000) });

export const OnboardPartner = z.object({
  id: z.string(),
  name: z.string(),
  capabilities: z.array(z.string()),
  terms: z.record(z.string(), z.unknown()),
  status: PartnerStatus.optional(),
});
/** The answer to onboarding: the profile, and the partner's Kafka access, shown this once. */
export const OnboardedPartner = PartnerProfile.extend({ kafka: PartnerKafkaAccess });
export const PartnerCredentials = z.object({ kafka: PartnerKafkaAccess });
export const PartnerChange = z.object({
  status: PartnerStatus,
  reason: z.string().min(5, 'say why, in a few words').max(2000),
});
export const PartnerChanged = z.object({ profile: PartnerProfile, moved: z.array(z.string()) });
export const ScorecardQuery = z.object({
  since: z.iso.datetime({ offset: true }).optional().describe('count from this time (RFC 3339)'),
  until: z.iso.datetime({ offset: true }).optional().describe('count until this time (RFC 3339)'),
});

export const VerifyResult = z.object({
  ok: z.boolean(),
  records: z.number().int(),
  firstBroken: z.number().int().nullable(),
  reason: z.string().nullable(),
  signedThrough: z.number().int(),
});
export const AuditEntry = z.object({
  seq: z.number().int(),
  time: z.string(),
  type: z.string(),
  actor: z.object({ kind: z.string(), id: z.string() }),
  facts: z.record(z.string(), z.unknown()),
  hash: z.string(),
});

export { PartnerProfile, PartnerScorecard, ServiceTransparency };

export const ErasureRequestBody = z.object({
  /** The citizen whose cases are to be erased: a citizen files for themselves (omit it); an officer names them. */
  citizen: z.string().min(1).max(200).optional(),
  /** Why, in the citizen's words or the officer's record of the request. */
  reason: z.string().min(1).max(2000),
});
export const ErasureDecisionBody = z.object({
  decision: z.enum(['approve', 'refuse']),
  /** The legal ground for approving, or why the law does not allow it. */
  reason: z.string().min(1).max(2000),
});
export const ErasureRequestQuery = z.object({
  status: z.enum(['pending', 'approved', 'refused']).optional().describe('only the requests in this state'),
});
export const ErasureRequestView = z.object({
  id: z.string(),
  citizen: z.string(),
  reason: z.string(),
  filedBy: z.string(),
  filedAt: z.string(),
  status: z.enum(['pending', 'approved', 'refused']),
  decidedBy: z.string().optional(),
  decidedAt: z.string().optional(),
  decisionReason: z.string().optional(),
  /** For an approved request: what became of each of the citizen's cases. */
  outcomes: z
    .array(
      z.object({
        caseId: z.string(),
        outcome: z.enum(['erased', 'kept', 'failed']),
        reason: z.string().optional(),
      }),
    )
    .optional(),
});
