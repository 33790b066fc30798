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

/** A case's statutory clock: when the case is due by law, and when to warn that it is near. */
export interface StatutoryClock {
  readonly due: Date;
  readonly warnAt: Date;
}

/**
 * The clock started at `from`: due after the statutory deadline, warned after `warningAt` (a
 * share) of it. In working days the warning falls on a whole working day, as the law counts.
 */
export function startStatutoryClock(
  from: Date,
  deadline: Deadline,
  warningAt: number,
  calendar: WorkingCalendar = WorkingCalendar.WEEKDAYS_UTC,
): StatutoryClock {
  const due = dueAt(from, deadline, calendar);
  const warningDays = deadline.workingDays !== undefined ? Math.floor(deadline.workingDays * warningAt) : 0;
  const warnAt =
    warningDays >= 1
      ? calendar.addWorkingDays(from, warningDays)
      : new Date(from.getTime() + Math.round((due.getTime() - from.getTime()) * warningAt));
  return { due, warnAt };
}

/**
 * The clock after it stood still from `pausedFrom` to `pausedUntil` (the case waited on the
 * applicant): both instants move by the working days paused (each working day after the pause
 * began, up to the day it ended), or by the time paused for a deadline counted by the clock.
 */
export function resumeStatutoryClock(
  clock: StatutoryClock,
  deadline: Deadline,
  pausedFrom: Date,
  pausedUntil: Date,
  calendar: WorkingCalendar = WorkingCalendar.WEEKDAYS_UTC,
): StatutoryClock & { pausedWorkingDays?: number; pausedSeconds?: number } {
  if (deadline.workingDays !== undefined) {
    const days = calendar.workingDaysBetween(pausedFrom, pausedUntil);
    return {
      due: calendar.addWorkingDays(clock.due, days),
      warnAt: calendar.addWorkingDays(clock.warnAt, days),
      pausedWorkingDays: days,
    };
  }
  const ms = Math.max(0, pausedUntil.getTime() - pausedFrom.getTime());
  return {
    due: new Date(clock.due.getTime() + ms),
    warnAt: new Date(clock.warnAt.getTime() + ms),
    pausedSeconds: Math.round(ms / 1000),
  };
}
