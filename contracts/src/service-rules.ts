/**
 * The rules a running case applies to its definition, in a module without zod: the workflow
 * sandbox evaluates every module it imports once per case, and building the definition's zod
 * schemas there cost each case more than its own steps did. `service-definition` re-exports these.
 */

/** A definition without `retention` keeps closed cases this long: a year, then erased. */
export const DEFAULT_CLOSED_CASE_RETENTION_DAYS = 365;

/** The days a closed case of this definition keeps its personal data. */
export function closedCaseRetentionDays(definition: {
  readonly retention?: { readonly closedCases: { readonly days: number } } | undefined;
}): number {
  return definition.retention?.closedCases.days ?? DEFAULT_CLOSED_CASE_RETENTION_DAYS;
}

/**
 * How long an officer, a reviewer or the applicant has at a step that states no deadline of its
 * own, when the service names no `defaultDeadline`: no step of a case waits without one.
 */
export const PLATFORM_DEFAULT_DEADLINE = { workingDays: 10 } as const;

/** The deadline of a wait whose step names none: the service's default, else the platform's. */
export function defaultDeadlineOf<D>(definition: {
  readonly defaultDeadline?: D | undefined;
}): D | typeof PLATFORM_DEFAULT_DEADLINE {
  return definition.defaultDeadline ?? PLATFORM_DEFAULT_DEADLINE;
}

/** Where an overdue officer task goes when its step names no `escalateTo`: the role's supervisor. */
export function supervisorRoleOf(role: string): string {
  return `${role}-supervisor`;
}

/**
 * The roles an overdue officer task climbs, in order, from the one it was given to: the step's
 * `escalateTo` (else the first of the service's chain, else the role's supervisor), then the rest
 * of the service's `escalation.chain` above that. At the last one the task waits, recorded once
 * as breached. Roles already passed are left out, so the path always ends.
 */
export function escalationPathOf(
  role: string,
  escalateTo: string | undefined,
  chain: readonly string[] | undefined,
): string[] {
  const above = (r: string): string[] => {
    if (!chain) return [];
    return chain.includes(r) ? chain.slice(chain.indexOf(r) + 1) : [...chain];
  };
  // A task given to the chain's top (or to a role inside it) has only what is above it.
  if (escalateTo === undefined && chain?.includes(role)) return above(role);
  const first = escalateTo ?? chain?.[0] ?? supervisorRoleOf(role);
  const path = [first, ...above(first)];
  return path.filter((r, i) => r !== role && path.indexOf(r) === i);
}

/** The share of the statutory time after which the case records that its deadline is near. */
export const DEFAULT_STATUTORY_WARNING_AT = 0.8;

interface RoleBearingStep {
  readonly parallel?: readonly RoleBearingStep[];
  readonly officer?: { readonly role: string; readonly escalateTo?: string | undefined };
  readonly review?: { readonly role: string; readonly escalateTo?: string | undefined };
  readonly partners?: { readonly fallback?: { readonly role?: string } | undefined };
  readonly run?: { readonly fallback?: { readonly role: string } | undefined };
}

/**
 * Every officer role a case of the service may wait on: its officers, reviewers and fallback
 * roles, and each role an overdue task of theirs climbs to. Whoever staffs the service (the demo
 * crew, an agency's rota) must play all of them, or a case waits for a role nobody plays.
 */
export function rolesAwaitedBy(definition: {
  readonly steps: readonly RoleBearingStep[];
  readonly escalation?: { readonly chain: readonly string[] } | undefined;
}): string[] {
  const chain = definition.escalation?.chain;
  const roles = new Set<string>();
  const add = (role: string, escalateTo?: string) => {
    roles.add(role);
    for (const above of escalationPathOf(role, escalateTo, chain)) roles.add(above);
  };
  const visit = (step: RoleBearingStep): void => {
    step.parallel?.forEach(visit);
    if (step.officer) add(step.officer.role, step.officer.escalateTo);
    if (step.review) add(step.review.role, step.review.escalateTo);
    // A fallback task is decided like an officer's, with the service's default deadline.
    const fallback = step.partners?.fallback?.role ?? step.run?.fallback?.role;
    if (fallback) add(fallback);
  };
  definition.steps.forEach(visit);
  return [...roles].sort();
}
