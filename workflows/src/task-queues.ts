/** The task queue on which the service-case workflows run. */
export const CASE_TASK_QUEUE = 'govmesh-cases';

/**
 * Each agency runs its own in-house activities on its own task queue, so an agency's workers
 * never execute another agency's core work.
 */
export function agencyTaskQueue(agency: string): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(agency)) {
    throw new Error(`agency "${agency}" must be lower-case letters, digits and dashes`);
  }
  return `govmesh-agency-${agency}`;
}
