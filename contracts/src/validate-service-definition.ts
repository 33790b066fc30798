import { z } from 'zod';

import { controlPolicy, effectiveMode, isAtLeastAsStrict } from './control-policy.js';
import { scanJsonLogic } from './json-logic.js';
import { hasPath, type JsonSchema } from './json-schema.js';
import {
  CitizenInputStep,
  LookupStep,
  ServiceDefinition,
  TaskStep,
  closedCaseRetentionDays,
  type ExecutionMode,
  type Step,
} from './service-definition.js';
import { deprecationStatus, seedContracts, type ContractLookup } from './standards/contract-lookup.js';
import type { Deprecation } from './standards/publications.js';

/** One thing wrong with a definition: the step it concerns (null for the service), the rule, a sentence. */
export interface DefinitionProblem {
  readonly step: string | null;
  readonly rule: string;
  readonly message: string;
}

export interface DefinitionReport {
  readonly valid: boolean;
  /** Every task, citizen-input and lookup step with the mode it runs in (parallel groups flattened). */
  readonly steps: ReadonlyArray<{ readonly id: string; readonly mode: ExecutionMode }>;
  readonly problems: readonly DefinitionProblem[];
  /** What is allowed but should change: a contract inside its deprecation window. */
  readonly warnings: readonly DefinitionProblem[];
  /** The parsed definition, only when valid. */
  readonly definition?: ServiceDefinition;
}

export interface ValidationContext {
  /** The published task types and forms (the registry's latest revisions); the seed catalogue by default. */
  readonly contracts: ContractLookup;
  /** YYYY-MM-DD, for deprecation windows; today (UTC) by default. */
  readonly today: string;
  /**
   * How many days Temporal keeps a closed case's history (its namespace retention), when known:
   * a service that keeps closed cases longer is warned that they stop being readable before.
   */
  readonly caseHistoryRetentionDays?: number;
  /**
   * The activities each agency's workers offer (announced through `@govmesh/agency-sdk`). When
   * given, a `run` or `compensate` naming an activity no worker offers is refused
   * (`unknown-agency-activity`): it would wait for ever on a queue nobody serves.
   */
  readonly agencyOffers?: ReadonlyMap<string, ReadonlyArray<{ readonly name: string; readonly output?: JsonSchema }>>;
  /**
   * Agencies the publisher accepts as not yet deployed: their activities are warned about
   * (`agency-not-yet-deployed`) instead of refused.
   */
  readonly notYetDeployed?: readonly string[];
}

/** A step that parsed, with the index of its top-level position (parallel members share it). */
interface Placed {
  readonly step: Step;
  readonly order: number;
}

const Header = ServiceDefinition.omit({ steps: true }).extend({
  steps: z.array(z.unknown()).min(1, 'a service has at least one step'),
});

/**
 * Checks a service definition against the format and the control policy and returns every
 * problem at once, each naming its step and rule. A definition that would hand
 * core-and-critical work to a partner is never valid.
 */
export function validateServiceDefinition(raw: unknown, context?: Partial<ValidationContext>): DefinitionReport {
  const ctx: ValidationContext = {
    contracts: context?.contracts ?? seedContracts(),
    today: context?.today ?? new Date().toISOString().slice(0, 10),
    ...(context?.caseHistoryRetentionDays !== undefined
      ? { caseHistoryRetentionDays: context.caseHistoryRetentionDays }
      : {}),
    ...(context?.agencyOffers ? { agencyOffers: context.agencyOffers } : {}),
    ...(context?.notYetDeployed ? { notYetDeployed: context.notYetDeployed } : {}),
  };
  const problems: DefinitionProblem[] = [];
  const warnings: DefinitionProblem[] = [];
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      valid: false,
      steps: [],
      warnings,
      problems: [
        { step: null, rule: 'schema', message: 'a service definition is an object (apiVersion, kind, id, …, steps)' },
      ],
    };
  }

  const header = Header.safeParse(raw);
  if (!header.success) problems.push(...zodProblems(header.error, null, ''));
  const rawSteps = Array.isArray((raw as { steps?: unknown }).steps) ? (raw as { steps: unknown[] }).steps : [];
  const placed: Placed[] = [];
  rawSteps.forEach((s, i) => parseStep(s, `steps[${i}]`, i, placed, problems));

  let application: JsonSchema | undefined;
  if (header.success) {
    const ref = header.data.application.schema;
    const form = ctx.contracts.form(ref);
    if (form) {
      application = form.schema;
      checkSunset(null, `application.schema ${ref}`, form.deprecation, ctx.today, problems, warnings);
    } else {
      problems.push({
        step: null,
        rule: 'unknown-application-schema',
        message: `application.schema ${ref} is not a published form (published: ${ctx.contracts.formRefs().join(', ')})`,
      });
    }
  }

  if (header.success && ctx.caseHistoryRetentionDays !== undefined) {
    const days = closedCaseRetentionDays(header.data);
    if (days > ctx.caseHistoryRetentionDays)
      warnings.push({
        step: null,
        rule: 'retention-beyond-history',
        message: `retention.closedCases.days is ${days}, but Temporal keeps a closed case's history ${ctx.caseHistoryRetentionDays} days (its namespace retention): closed cases stop being readable before their personal data is due for erasure; raise the namespace retention to at least ${days} days`,
      });
  }

  checkIds(placed, problems);
  const summary: Array<{ id: string; mode: ExecutionMode }> = [];
  for (const p of placed) checkStep(p, placed, application, ctx, problems, summary, warnings);

  const valid = problems.length === 0;
  return valid
    ? { valid, steps: summary, problems, warnings, definition: ServiceDefinition.parse(raw) }
    : { valid, steps: summary, problems, warnings };
}

/** Past its sunset, a contract is refused; inside its window, the publisher is warned. */
function checkSunset(
  step: string | null,
  what: string,
  deprecation: Deprecation | undefined,
  today: string,
  problems: DefinitionProblem[],
  warnings: DefinitionProblem[],
): void {
  const status = deprecationStatus(deprecation, today);
  const where = step ? `step ${step}: ` : '';
  if (status === 'past-sunset')
    problems.push({
      step,
      rule: 'contract-past-sunset',
      message: `${where}${what} was retired on ${deprecation!.sunset}; use ${deprecation!.replacedBy}`,
    });
  else if (status === 'deprecated')
    warnings.push({
      step,
      rule: 'contract-deprecated',
      message: `${where}${what} is deprecated and served until ${deprecation!.sunset}; move to ${deprecation!.replacedBy}`,
    });
}

function parseStep(raw: unknown, path: string, order: number, placed: Placed[], problems: DefinitionProblem[]): void {
  const id = typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id : null;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push({ step: id, rule: 'schema', message: `${path}: a step is an object with an id` });
    return;
  }
  if ('parallel' in raw) {
    const group = raw as { parallel?: unknown };
    const members = Array.isArray(group.parallel) ? group.parallel : [];
    const { parallel: _members, ...rest } = raw as Record<string, unknown>;
    const shell = z
      .object({ id: TaskStep.shape.id, title: z.string().optional(), when: z.unknown().optional() })
      .strict()
      .safeParse(rest);
    if (!shell.success) problems.push(...zodProblems(shell.error, id, path));
    if (members.length < 2)
      problems.push({ step: id, rule: 'schema', message: `${path}.parallel: a parallel group has at least two steps` });
    if (shell.success) placed.push({ step: { ...shell.data, parallel: [] }, order });
    members.forEach((m, j) => parseStep(m, `${path}.parallel[${j}]`, order, placed, problems));
    return;
  }
  const schema = 'citizenInput' in raw ? CitizenInputStep : 'lookup' in raw ? LookupStep : TaskStep;
  const parsed = schema.safeParse(raw);
  if (parsed.success) placed.push({ step: parsed.data, order });
  else problems.push(...zodProblems(parsed.error, id, path));
}

function zodProblems(error: z.ZodError, step: string | null, prefix: string): DefinitionProblem[] {
  return error.issues.map((issue) => {
    const where = [prefix, ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))]
      .join('')
      .replace(/^\./, '');
    return { step, rule: 'schema', message: `${where || '(root)'}: ${issue.message}` };
  });
}

function checkIds(placed: readonly Placed[], problems: DefinitionProblem[]): void {
  const seen = new Set<string>();
  for (const { step } of placed) {
    if (seen.has(step.id))
      problems.push({ step: step.id, rule: 'duplicate-step-id', message: `step id ${step.id} is used more than once` });
    seen.add(step.id);
  }
}

function checkStep(
  { step, order }: Placed,
  placed: readonly Placed[],
  application: JsonSchema | undefined,
  ctx: ValidationContext,
  problems: DefinitionProblem[],
  summary: Array<{ id: string; mode: ExecutionMode }>,
  warnings: DefinitionProblem[],
): void {
  const problem = (rule: string, message: string): void =>
    void problems.push({ step: step.id, rule, message: `step ${step.id}: ${message}` });
  if (step.when !== undefined) checkWhen(step.id, step.when, order, placed, application, problem);

  if ('parallel' in step) return;
  if ('citizenInput' in step) {
    summary.push({ id: step.id, mode: 'in-house' });
    for (const field of step.citizenInput.fields) {
      if (application && !hasPath(application, field))
        problem('unknown-field', `citizenInput asks for ${field}, which the application schema lacks`);
    }
    return;
  }
  if ('lookup' in step) {
    summary.push({ id: step.id, mode: 'in-house' });
    if (application && !hasPath(application, step.lookup.key))
      problem('unknown-field', `lookup key ${step.lookup.key} is not a field of the application schema`);
    return;
  }

  const derived = controlPolicy(step.classification);
  const mode = effectiveMode(step);
  summary.push({ id: step.id, mode });
  for (const [field, call] of [
    ['run', step.run],
    ['compensate', step.compensate],
  ] as const)
    if (call) checkAgencyActivity(step.id, field, call, ctx, problem, warnings);
  checkAgencyOutput(step, ctx, problem);
  if (step.mode && !isAtLeastAsStrict(step.mode, derived)) {
    problem(
      'mode-weaker-than-classification',
      `mode ${step.mode} is weaker than ${derived}, which its classification requires`,
    );
  }
  if (step.classification.core && step.classification.critical && step.partners) {
    problem(
      'core-critical-to-partner',
      'core-and-critical work never leaves the government: remove partners and use run or officer',
    );
    return;
  }
  const executors = [step.run && 'run', step.officer && 'officer', step.partners && 'partners'].filter(Boolean);
  if (executors.length > 1) {
    problem('ambiguous-executor', `has ${executors.join(' and ')}; a step has exactly one of run, officer or partners`);
    return;
  }
  if (mode === 'in-house') {
    if (step.partners) problem('in-house-with-partners', 'runs in-house, so it cannot have partners');
    else if (!step.run && !step.officer)
      problem('in-house-without-executor', 'runs in-house and needs run (an agency activity) or officer (a role)');
    return;
  }
  if (!step.partners) {
    problem('partner-step-without-partners', `runs ${mode}, so it needs partners (or a stricter classification)`);
    return;
  }
  if (!step.deadline) problem('partner-step-without-deadline', 'every partner task needs a deadline');
  if (mode === 'controlled' && !step.review)
    problem('controlled-without-review', 'runs controlled, so an officer must review its output: add review.role');
  checkTaskAndShare(step, application, ctx, problem);
  const contract = step.task ? ctx.contracts.taskType(step.task) : undefined;
  if (contract) checkSunset(step.id, `task ${step.task}`, contract.deprecation, ctx.today, problems, warnings);
}

/** An agency activity nobody offers would wait on a queue nobody serves: refused, or warned if accepted as not yet deployed. */
function checkAgencyActivity(
  stepId: string,
  field: 'run' | 'compensate',
  { agency, activity }: { agency: string; activity: string },
  ctx: ValidationContext,
  problem: (rule: string, message: string) => void,
  warnings: DefinitionProblem[],
): void {
  if (!ctx.agencyOffers) return;
  const offered = ctx.agencyOffers.get(agency)?.map((a) => a.name);
  if (offered?.includes(activity)) return;
  if (ctx.notYetDeployed?.includes(agency)) {
    warnings.push({
      step: stepId,
      rule: 'agency-not-yet-deployed',
      message: `step ${stepId}: ${field} names ${agency}'s ${activity}, which no worker offers yet; accepted as not yet deployed, its cases wait for it (or its fallback) until one does`,
    });
    return;
  }
  const known = [...ctx.agencyOffers.keys()].sort();
  problem(
    'unknown-agency-activity',
    offered
      ? `${field} names ${agency}'s activity ${activity}, which its workers do not offer (they offer ${offered.join(', ')})`
      : `${field} names agency ${agency}, whose workers offer nothing (agencies with workers: ${known.join(', ') || 'none'}); if it is not yet deployed, say so when publishing`,
  );
}

/**
 * What the agency's activity promises to answer (its offer's `output`) against what the step's
 * task type says the step outputs: a field the task type requires that the offer does not
 * promise, or promises with another type, would fail the step at run time.
 */
function checkAgencyOutput(
  step: z.infer<typeof TaskStep>,
  ctx: ValidationContext,
  problem: (rule: string, message: string) => void,
): void {
  if (!step.run || !step.task || !ctx.agencyOffers) return;
  const offer = ctx.agencyOffers.get(step.run.agency)?.find((a) => a.name === step.run!.activity);
  const expected = ctx.contracts.taskType(step.task)?.output;
  if (!offer?.output || !expected) return;
  const promised = offer.output;
  const promisedRequired = new Set(promised.required ?? []);
  const clashes: string[] = [];
  for (const field of expected.required ?? []) {
    if (!promisedRequired.has(field)) clashes.push(`${field} is required by ${step.task} but not promised`);
  }
  for (const [field, schema] of Object.entries(expected.properties ?? {})) {
    const theirs = promised.properties?.[field];
    if (theirs && JSON.stringify(theirs.type ?? null) !== JSON.stringify(schema.type ?? null))
      clashes.push(
        `${field} is ${JSON.stringify(schema.type)} in ${step.task} but ${JSON.stringify(theirs.type)} in the offer`,
      );
  }
  if (clashes.length)
    problem(
      'agency-contract-clash',
      `run's ${step.run.agency} ${step.run.activity} answers what ${step.task} does not accept: ${clashes.join('; ')}`,
    );
}

function checkTaskAndShare(
  step: z.infer<typeof TaskStep>,
  application: JsonSchema | undefined,
  ctx: ValidationContext,
  problem: (rule: string, message: string) => void,
): void {
  const unknownShared = application ? step.share.filter((f) => !hasPath(application, f)) : [];
  for (const field of unknownShared)
    problem('share-unknown-field', `share names ${field}, which the application schema lacks`);
  if (!step.task) {
    problem('partner-step-without-task', 'a partner step names the task type partners perform (task: name@version)');
    return;
  }
  const contract = ctx.contracts.taskType(step.task);
  if (!contract) {
    const name = step.task.split('@')[0];
    const known = ctx.contracts.taskTypeRefs().filter((r) => r.startsWith(`${name}@`));
    problem(
      'unknown-task-type',
      `task ${step.task} is not a known task type${known.length ? ` (served: ${known.join(', ')})` : ''}`,
    );
    return;
  }
  // Data minimization: the partner sees exactly what its contract declares, taken from the application.
  const input = contract.input;
  for (const field of step.share) {
    if (!unknownShared.includes(field) && !hasPath(input, field)) {
      problem(
        'share-beyond-contract',
        `share names ${field}, which the ${step.task} contract does not declare as input`,
      );
    }
  }
  // Inputs the application does not hold (a fee amount, a document reference) come from elsewhere.
  for (const field of requiredLeaves(input)) {
    if (
      application &&
      hasPath(application, field) &&
      !step.share.some((s) => s === field || field.startsWith(`${s}.`))
    ) {
      problem(
        'task-input-not-shared',
        `the ${step.task} contract requires ${field}, which the application holds but share does not include`,
      );
    }
  }
}

function requiredLeaves(schema: JsonSchema, prefix = ''): string[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).flatMap(([key, child]) => {
    if (!required.has(key)) return [];
    const path = prefix ? `${prefix}.${key}` : key;
    return child.properties ? requiredLeaves(child, path) : [path];
  });
}

function checkWhen(
  stepId: string,
  rule: unknown,
  order: number,
  placed: readonly Placed[],
  application: JsonSchema | undefined,
  problem: (rule: string, message: string) => void,
): void {
  const { vars, unknownOperators } = scanJsonLogic(rule);
  for (const op of unknownOperators)
    problem('when-unknown-operator', `when uses ${op}, which is not a JSON Logic operator`);
  for (const v of vars) {
    const [root, ref, ...rest] = v.split('.');
    if (root === 'steps' && ref) {
      const target = placed.find((p) => p.step.id === ref);
      if (!target) problem('when-unknown-step', `when reads ${v}, but there is no step ${ref}`);
      else if (target.order >= order)
        problem('when-step-not-run-yet', `when reads ${v}, but step ${ref} has not run yet when ${stepId} starts`);
    } else if (root === 'application') {
      const field = [ref, ...rest].join('.');
      if (application && !hasPath(application, field))
        problem('when-unknown-field', `when reads ${v}, which the application schema lacks`);
    } else {
      problem(
        'when-unknown-variable',
        `when reads ${v}; a condition reads application.<field> or steps.<id>.output.<field>`,
      );
    }
  }
}
