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
