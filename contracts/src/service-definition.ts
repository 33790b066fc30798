import { z } from 'zod';

import { ApplicationSchemaRef } from './applications.js';
import { TaskTypeRef } from './task-type-ref.js';
import { PartnerId } from './topics.js';

export {
  DEFAULT_CLOSED_CASE_RETENTION_DAYS,
  DEFAULT_STATUTORY_WARNING_AT,
  closedCaseRetentionDays,
  escalationPathOf,
  supervisorRoleOf,
} from './service-rules.js';

/** How a step is run; derived from its classification by the control policy. */
export const ExecutionMode = z.enum(['in-house', 'controlled', 'outsourced']);
export type ExecutionMode = z.infer<typeof ExecutionMode>;

export const Classification = z.object({ core: z.boolean(), critical: z.boolean() });
export type Classification = z.infer<typeof Classification>;

export const Role = z.string().regex(/^[a-z][a-z0-9-]*$/, 'a role is a kebab-case name such as licensing-officer');
export const Agency = z.string().regex(/^[a-z][a-z0-9-]*$/, 'an agency is a kebab-case name such as public-security');
const StepIdentifier = z
  .string()
  .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'a step id is kebab-case, e.g. background-check');
/** A dotted path into the application, e.g. `applicant.name`. */
const FieldPath = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/, 'a field is a dotted path such as applicant.name');

/**
 * Exactly one of: working days (the law's measure, by the jurisdiction's calendar), days, hours,
 * minutes, or seconds (for drills and tests).
 */
export const Deadline = z
  .object({
    workingDays: z.number().int().min(1).max(365).optional(),
    days: z.number().int().min(1).max(365).optional(),
    hours: z
      .number()
      .int()
      .min(1)
      .max(24 * 365)
      .optional(),
    minutes: z
      .number()
      .int()
      .min(1)
      .max(60 * 24 * 365)
      .optional(),
    seconds: z
      .number()
      .int()
      .min(1)
      .max(60 * 60 * 24)
      .optional(),
  })
  .strict()
  .refine((d) => Object.values(d).filter((v) => v !== undefined).length === 1, {
    message: 'a deadline has exactly one of workingDays, days, hours, minutes or seconds',
  });
export type Deadline = z.infer<typeof Deadline>;

export const PartnerSelection = z
  .object({
    select: z.enum(['best-score', 'first-eligible', 'round-robin']).default('best-score'),
    /** How many times a breached or failed task may move to the next eligible partner. */
    maxReassignments: z.number().int().min(0).max(10).default(0),
    /** Who takes over after the last partner: an in-house officer role, or fail the step. */
    fallback: z.union([z.object({ role: Role }).strict(), z.object({ fail: z.literal(true) }).strict()]),
    /** Restricts the choice to these partners; by default every active partner with the capability. */
    only: z.array(PartnerId).min(1).optional(),
  })
  .strict();
export type PartnerSelection = z.infer<typeof PartnerSelection>;

/** A JSON Logic rule (jsonlogic.com): an object with one operator, or a literal. */
export const JsonLogicRule: z.ZodType<unknown> = z.unknown();

const StepCommon = {
  id: StepIdentifier,
  title: z.string().min(1).max(200).optional(),
  /** Runs the step only when this JSON Logic rule is truthy over `{ application, steps }`. */
  when: JsonLogicRule.optional(),
};

const Classified = {
  classification: Classification,
  /** Written out only to be stricter than the derived mode. */
  mode: ExecutionMode.optional(),
};

/** A task step: in-house (`run` or `officer`), or handed to `partners` (outsourced or controlled). */
export const TaskStep = z
  .object({
    ...StepCommon,
    ...Classified,
    task: TaskTypeRef.optional(),
    /**
     * An agency's in-house system does the step. If none of the agency's workers picks the work
     * up within `pickupWithin` (5 minutes by default), the case records `agency.unavailable` and
     * hands the step to the `fallback` officer role, or fails it when there is none.
     */
    run: z
      .object({
        agency: Agency,
        activity: z.string().regex(/^[a-z][A-Za-z0-9]*$/, 'an activity is a camelCase name'),
        pickupWithin: z
          .object({ seconds: z.number().int().min(1).max(86_400) })
          .strict()
          .optional(),
        fallback: z.object({ role: Role }).strict().optional(),
      })
      .strict()
      .optional(),
    /**
     * What undoes the step if the case later fails or is withdrawn (refund a fee, cancel a
     * payment plan): an agency activity, run after the step's completion in reverse order of completion.
     */
    compensate: z
      .object({
        agency: Agency,
        activity: z.string().regex(/^[a-z][A-Za-z0-9]*$/, 'an activity is a camelCase name'),
      })
      .strict()
      .optional(),
    /**
     * An officer's task; past its deadline it is escalated to `escalateTo` (by default the first
     * role of the service's `escalation.chain`, else `<role>-supervisor`), then up the chain.
     */
    officer: z.object({ role: Role, deadline: Deadline.optional(), escalateTo: Role.optional() }).strict().optional(),
    partners: PartnerSelection.optional(),
    /** Officer review of a partner's output before the case uses it (controlled steps). */
    review: z
      .object({
        role: Role,
        deadline: Deadline.optional(),
        escalateTo: Role.optional(),
        /** How often a result may go back to the same partner for rework before the task moves on. */
        maxReworks: z.number().int().min(0).max(5).default(2),
      })
      .strict()
      .optional(),
    deadline: Deadline.optional(),
    /** The application fields the partner may see; none by default. */
    share: z.array(FieldPath).default([]),
  })
  .strict();
export type TaskStep = z.infer<typeof TaskStep>;

/** Asks the citizen for more input and waits for it; always in-house. */
export const CitizenInputStep = z
  .object({
    ...StepCommon,
    citizenInput: z
      .object({
        fields: z.array(FieldPath).min(1),
        prompt: z.string().min(1).max(1000),
        deadline: Deadline.optional(),
        /** Reminders sent, each followed by another `deadline`, before `onExpiry`. */
        reminders: z.number().int().min(0).max(3).default(1),
        /** What happens when the citizen never answers: the case is withdrawn, or goes on without it. */
        onExpiry: z.enum(['withdraw', 'continue']).default('withdraw'),
      })
      .strict(),
  })
  .strict();
export type CitizenInputStep = z.infer<typeof CitizenInputStep>;

/** Reads another agency's registry, for a stated purpose that the ledger records; always in-house. */
export const LookupStep = z
  .object({
    ...StepCommon,
    lookup: z
      .object({
        agency: Agency,
        registry: z.string().regex(/^[a-z][a-z0-9-]*$/, 'a registry is a kebab-case name'),
        purpose: z.string().min(10, 'a lookup states its purpose in a sentence').max(500),
        key: FieldPath,
        /** The record's fields that enter the case; nothing else the registry holds does. */
        fields: z
          .array(z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/, 'a registry field is a plain name such as status'))
          .min(1),
        /**
         * Who completes the step when the provider refuses the look-up (its policy, an answer that
         * breaks the exchange): an officer of the role enters the fields. Without it the step fails
         * with the provider's reason.
         */
        fallback: z.object({ role: Role }).strict().optional(),
      })
      .strict(),
  })
  .strict();
export type LookupStep = z.infer<typeof LookupStep>;

export type ParallelStep = {
  id: string;
  title?: string | undefined;
  when?: unknown;
  parallel: Step[];
};
export type Step = TaskStep | CitizenInputStep | LookupStep | ParallelStep;

/** Steps that run side by side; the group ends when all have ended. */
export const ParallelStep: z.ZodType<ParallelStep> = z.lazy(() =>
  z.object({ ...StepCommon, parallel: z.array(Step).min(2, 'a parallel group has at least two steps') }).strict(),
);

export const Step: z.ZodType<Step> = z.lazy(() => z.union([ParallelStep, CitizenInputStep, LookupStep, TaskStep]));

/**
 * How long the platform keeps a closed case's personal data (its application, the partners'
 * outputs, its history in Temporal) before erasing it. The ledger keeps its facts and digests.
 */
export const Retention = z
  .object({
    closedCases: z
      .object({ days: z.number().int().min(0, 'at least 0 days').max(36500, 'at most 36500 days (100 years)') })
      .strict(),
  })
  .strict();
export type Retention = z.infer<typeof Retention>;

/** A public service as an agency defines it. */
export const ServiceDefinition = z
  .object({
    apiVersion: z.literal('govmesh/v1'),
    kind: z.literal('Service'),
    id: StepIdentifier,
    version: z.number().int().min(1),
    title: z.string().min(1).max(200),
    ownerAgency: Agency,
    statutoryDeadline: Deadline.optional(),
    /**
     * The share of the statutory time after which the case records that its deadline is near
     * (0.8 when the service does not say). Time waiting on the applicant is not counted.
     */
    statutoryWarningAt: z.number().gt(0, 'more than 0').lt(1, 'less than 1').optional(),
    /**
     * Who an overdue officer task goes to, lowest first, above the officer it was given to (e.g.
     * a supervisor, then the head of unit). At the top the task waits, recorded once as breached;
     * the top role is also told when the case breaches its statutory deadline.
     */
    escalation: z
      .object({
        chain: z
          .array(Role)
          .min(1, 'a chain names at least one role')
          .max(10, 'at most 10 roles')
          .refine((c) => new Set(c).size === c.length, 'a role appears once in the chain'),
      })
      .strict()
      .optional(),
    /**
     * How long an officer, a reviewer or the applicant has at a step that names no deadline of its
     * own (then escalated, or reminded); 10 working days when the service does not say.
     */
    defaultDeadline: Deadline.optional(),
    retention: Retention.optional(),
    application: z.object({ schema: ApplicationSchemaRef }).strict(),
    steps: z.array(Step).min(1),
  })
  .strict();
export type ServiceDefinition = z.infer<typeof ServiceDefinition>;
