import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { dueAt } from './deadline.js';
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

  it('counts seconds for drills and tests', () => {
    expect(dueAt(new Date('2026-11-27T10:00:00Z'), { seconds: 3 }).toISOString()).toBe('2026-11-27T10:00:03.000Z');
  });
});
