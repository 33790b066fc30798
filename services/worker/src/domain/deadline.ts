import type { Deadline } from '@govmesh/contracts/service-definition';
import { addBusinessDays, addDays, addHours, addMinutes } from 'date-fns';

/** The instant a task is due, counting working days (Monday to Friday) where the law says so. */
export function dueAt(from: Date, deadline: Deadline): Date {
  if (deadline.workingDays !== undefined) return addBusinessDays(from, deadline.workingDays);
  if (deadline.days !== undefined) return addDays(from, deadline.days);
  if (deadline.hours !== undefined) return addHours(from, deadline.hours);
  return addMinutes(from, deadline.minutes ?? 0);
}
