import type { Deadline } from '@govmesh/contracts/service-definition';
import { addDays, addHours, addMinutes, addSeconds } from 'date-fns';

import { WorkingCalendar } from './working-calendar.js';

/** The instant a task is due: working days by the jurisdiction's calendar, the rest by the clock. */
export function dueAt(from: Date, deadline: Deadline, calendar: WorkingCalendar = WorkingCalendar.WEEKDAYS_UTC): Date {
  if (deadline.workingDays !== undefined) return calendar.addWorkingDays(from, deadline.workingDays);
  if (deadline.days !== undefined) return addDays(from, deadline.days);
  if (deadline.hours !== undefined) return addHours(from, deadline.hours);
  if (deadline.minutes !== undefined) return addMinutes(from, deadline.minutes);
  return addSeconds(from, deadline.seconds ?? 0);
}
