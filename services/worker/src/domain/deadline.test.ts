import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { dueAt, resumeStatutoryClock, startStatutoryClock } from './deadline.js';
import { WorkingCalendar } from './working-calendar.js';

describe('dueAt', () => {
  const friday = new Date('2026-11-27T10:00:00Z');

  it('skips the weekend for working days', () => {
    expect(dueAt(friday, { workingDays: 1 }).toISOString()).toBe('2026-11-30T10:00:00.000Z');
    expect(dueAt(friday, { workingDays: 5 }).toISOString()).toBe('2026-12-04T10:00:00.000Z');
  });

  it('counts hours, days and minutes as elapsed time', () => {
    expect(dueAt(friday, { hours: 48 }).toISOString()).toBe('2026-11-29T10:00:00.000Z');
    expect(dueAt(friday, { days: 2 }).toISOString()).toBe('2026-11-29T10:00:00.000Z');
    expect(dueAt(friday, { minutes: 90 }).toISOString()).toBe('2026-11-27T11:30:00.000Z');
  });
});

describe('working days by the jurisdiction calendar', () => {
  const calendar = WorkingCalendar.fromFile(
    new URL('../../../../examples/calendars/demo-jurisdiction.yaml', import.meta.url).pathname,
  );

  it('skips a weekend and the listed holidays, at the same local time', () => {
    // Tuesday 22 Dec 2026, 09:00 in Berlin. Wed 23 is day 1; Thu 24, Fri 25 are holidays,
    // Sat 26 and Sun 27 are the weekend (and Boxing Day); Mon 28 is day 2, Tue 29 day 3.
    const submitted = new Date('2026-12-22T08:00:00Z');
    expect(dueAt(submitted, { workingDays: 1 }, calendar).toISOString()).toBe('2026-12-23T08:00:00.000Z');
    expect(dueAt(submitted, { workingDays: 3 }, calendar).toISOString()).toBe('2026-12-29T08:00:00.000Z');
    // Over New Year's Eve and Day: Wed 30 is day 4, Mon 4 Jan day 5.
    expect(dueAt(submitted, { workingDays: 5 }, calendar).toISOString()).toBe('2027-01-04T08:00:00.000Z');
  });

  it('counts days in local time across a daylight-saving change', () => {
    // Friday 26 March 2027 09:00 CET; clocks go forward on Sunday 28 March. Good Friday (2 Apr)
    // and Easter Monday (5 Apr) are holidays: 5 working days end on Tuesday 6 April, 09:00 CEST.
    expect(dueAt(new Date('2027-03-26T08:00:00Z'), { workingDays: 5 }, calendar).toISOString()).toBe(
      '2027-04-06T07:00:00.000Z',
    );
  });

  it('refuses a calendar file with a bad zone, day or date, naming each', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'govmesh-calendar-')), 'bad.yaml');
    writeFileSync(
      path,
      'jurisdiction: x\ntimeZone: Mars/Olympus\nweekend: [caturday]\nholidays: [{ date: 2026-13-01, name: nope }]\n',
    );
    expect(() => WorkingCalendar.fromFile(path)).toThrow(/timeZone[\s\S]*weekend\.0[\s\S]*holidays\.0\.date/);
  });

  it('counts a make-up working day (调休) on a weekend, and skips a long holiday', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'govmesh-calendar-')), 'cn.yaml');
    // Illustrative dates: a week-long holiday with two weekend days worked to make up for it.
    writeFileSync(
      path,
      [
        'jurisdiction: cn-example',
        'timeZone: Asia/Shanghai',
        'holidays:',
        ...['05', '06', '07', '08', '09', '10', '11'].map((d) => `  - { date: 2027-02-${d}, name: Spring Festival }`),
        'makeUpWorkingDays:',
        '  - { date: 2027-01-31, name: Spring Festival make-up day }',
        '  - { date: 2027-02-20, name: Spring Festival make-up day }',
      ].join('\n'),
    );
    const cn = WorkingCalendar.fromFile(path);
    // Friday 29 January 2027, 09:00 in Shanghai: Sunday 31 January is worked, so it is day 1.
    const friday = new Date('2027-01-29T01:00:00Z');
    expect(dueAt(friday, { workingDays: 1 }, cn).toISOString()).toBe('2027-01-31T01:00:00.000Z');
    expect(dueAt(friday, { workingDays: 3 }, cn).toISOString()).toBe('2027-02-02T01:00:00.000Z');
    // From Thursday 4 February: the holiday week counts for nothing, Friday 12 February is day 1.
    expect(dueAt(new Date('2027-02-04T01:00:00Z'), { workingDays: 1 }, cn).toISOString()).toBe(
      '2027-02-12T01:00:00.000Z',
    );
    expect(dueAt(new Date('2027-02-04T01:00:00Z'), { workingDays: 2 }, cn).toISOString()).toBe(
      '2027-02-15T01:00:00.000Z',
    );
  });

  it('knows the last year it lists holidays for, and says when a deadline falls after it', () => {
    expect(calendar.knownThrough).toBe(2027);
    expect(calendar.isBeyondKnownYears(new Date('2027-12-31T12:00:00Z'))).toBe(false);
    expect(calendar.isBeyondKnownYears(dueAt(new Date('2027-12-20T08:00:00Z'), { workingDays: 20 }, calendar))).toBe(
      true,
    );
    // A calendar with no holidays claims no years, and never warns.
    expect(WorkingCalendar.WEEKDAYS_UTC.isBeyondKnownYears(new Date('2099-01-01T00:00:00Z'))).toBe(false);
  });

  it('refuses a make-up working day that is also a holiday', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'govmesh-calendar-')), 'clash.yaml');
    writeFileSync(
      path,
      'jurisdiction: x\ntimeZone: UTC\nholidays: [{ date: 2027-01-02, name: a }]\nmakeUpWorkingDays: [{ date: 2027-01-02, name: b }]\n',
    );
    expect(() => WorkingCalendar.fromFile(path)).toThrow(
      /makeUpWorkingDays\.0\.date: 2027-01-02 is listed as a holiday too/,
    );
  });

  it('counts seconds for drills and tests', () => {
    expect(dueAt(new Date('2026-11-27T10:00:00Z'), { seconds: 3 }).toISOString()).toBe('2026-11-27T10:00:03.000Z');
  });
});

describe('the statutory clock', () => {
  const calendar = WorkingCalendar.fromFile(
    new URL('../../../../examples/calendars/demo-jurisdiction.yaml', import.meta.url).pathname,
  );
  // Monday 2 Nov 2026, 10:00 in Berlin (no holidays that month in the demo jurisdiction).
  const submitted = new Date('2026-11-02T09:00:00Z');

  it('is due after the statutory working days and warns on the whole working day at the share', () => {
    const clock = startStatutoryClock(submitted, { workingDays: 10 }, 0.8, calendar);
    expect(clock.due.toISOString()).toBe('2026-11-16T09:00:00.000Z');
    // 8 working days: Tue 3 … Fri 6 (4), Mon 9 … Thu 12 (4).
    expect(clock.warnAt.toISOString()).toBe('2026-11-12T09:00:00.000Z');
  });

  it('warns at the share of the time for a deadline counted by the clock', () => {
    const clock = startStatutoryClock(submitted, { hours: 10 }, 0.5, calendar);
    expect(clock.warnAt.toISOString()).toBe('2026-11-02T14:00:00.000Z');
  });

  it('does not count the working days the case waited on the applicant', () => {
    const clock = startStatutoryClock(submitted, { workingDays: 10 }, 0.8, calendar);
    // Asked on Wednesday 4 Nov, answered on Monday 9 Nov: Thu, Fri and Mon stood still.
    const resumed = resumeStatutoryClock(
      clock,
      { workingDays: 10 },
      new Date('2026-11-04T15:00:00Z'),
      new Date('2026-11-09T08:00:00Z'),
      calendar,
    );
    expect(resumed.pausedWorkingDays).toBe(3);
    expect(resumed.due.toISOString()).toBe('2026-11-19T09:00:00.000Z');
    expect(resumed.warnAt.toISOString()).toBe('2026-11-17T09:00:00.000Z');
  });

  it('takes nothing off for an answer the same day, and the weekend is not counted', () => {
    expect(calendar.workingDaysBetween(new Date('2026-11-04T08:00:00Z'), new Date('2026-11-04T16:00:00Z'))).toBe(0);
    // Friday to Monday: only Monday is a working day.
    expect(calendar.workingDaysBetween(new Date('2026-11-06T08:00:00Z'), new Date('2026-11-09T08:00:00Z'))).toBe(1);
  });

  it('moves a deadline counted by the clock by the time paused', () => {
    const clock = startStatutoryClock(submitted, { seconds: 60 }, 0.8, calendar);
    const resumed = resumeStatutoryClock(
      clock,
      { seconds: 60 },
      new Date('2026-11-02T09:00:10Z'),
      new Date('2026-11-02T09:00:40Z'),
      calendar,
    );
    expect(resumed.pausedSeconds).toBe(30);
    expect(resumed.due.toISOString()).toBe('2026-11-02T09:01:30.000Z');
  });
});
