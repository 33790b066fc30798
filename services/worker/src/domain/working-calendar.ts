import { readFileSync } from 'node:fs';

import { tz } from '@date-fns/tz';
import { addDays, format, getDay } from 'date-fns';
import { parse } from 'yaml';
import { z } from 'zod';

const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;

const CalendarFile = z
  .object({
    jurisdiction: z.string().min(1),
    /** IANA time zone: a working day starts and ends at local midnight. */
    timeZone: z.string().refine((zone) => {
      try {
        return Boolean(new Intl.DateTimeFormat('en', { timeZone: zone }));
      } catch {
        return false;
      }
    }, 'timeZone must be an IANA time zone such as Europe/Berlin'),
    weekend: z.array(z.enum(DAYS)).max(6).default(['saturday', 'sunday']),
    holidays: z.array(z.object({ date: z.iso.date(), name: z.string().min(1) }).strict()).default([]),
    /**
     * Weekend days that are working days (make-up days, 调休, set around long holidays): they
     * count as working days whatever `weekend` says.
     */
    makeUpWorkingDays: z.array(z.object({ date: z.iso.date(), name: z.string().min(1) }).strict()).default([]),
    /**
     * The last year whose holidays the file lists; by default the year of its last holiday or
     * make-up day. A deadline past it is still computed, with a warning: later holidays are unknown.
     */
    knownThrough: z.number().int().min(2000).max(2200).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const holidays = new Set(c.holidays.map((h) => h.date));
    c.makeUpWorkingDays.forEach((d, i) => {
      if (holidays.has(d.date))
        ctx.addIssue({
          code: 'custom',
          path: ['makeUpWorkingDays', i, 'date'],
          message: `${d.date} is listed as a holiday too`,
        });
    });
  });

/** Weekends and public holidays of one jurisdiction. */
export class WorkingCalendar {
  private readonly weekend: ReadonlySet<number>;
  private readonly holidays: ReadonlyMap<string, string>;
  private readonly makeUpDays: ReadonlySet<string>;
  private readonly zone: ReturnType<typeof tz>;
  /** The last year the calendar knows the holidays of (undefined: it lists none, so it knows every year alike). */
  readonly knownThrough: number | undefined;

  constructor(
    readonly jurisdiction: string,
    readonly timeZone: string,
    weekend: readonly (typeof DAYS)[number][],
    holidays: ReadonlyArray<{ date: string; name: string }>,
    options: { makeUpWorkingDays?: ReadonlyArray<{ date: string }>; knownThrough?: number } = {},
  ) {
    this.weekend = new Set(weekend.map((d) => DAYS.indexOf(d)));
    this.holidays = new Map(holidays.map((h) => [h.date, h.name]));
    this.makeUpDays = new Set((options.makeUpWorkingDays ?? []).map((d) => d.date));
    this.zone = tz(timeZone);
    const listed = [...this.holidays.keys(), ...this.makeUpDays].map((d) => Number(d.slice(0, 4)));
    this.knownThrough = options.knownThrough ?? (listed.length ? Math.max(...listed) : undefined);
  }

  /** Monday to Friday, no holidays, in UTC: what a deadline falls back to without a calendar. */
  static readonly WEEKDAYS_UTC = new WorkingCalendar('weekdays', 'UTC', ['saturday', 'sunday'], []);

  static fromFile(path: string): WorkingCalendar {
    const parsed = CalendarFile.safeParse(parse(readFileSync(path, 'utf8')));
    if (!parsed.success) {
      throw new Error(
        `${path}: invalid working-day calendar\n${parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`).join('\n')}`,
      );
    }
    const c = parsed.data;
    return new WorkingCalendar(c.jurisdiction, c.timeZone, c.weekend, c.holidays, {
      makeUpWorkingDays: c.makeUpWorkingDays,
      ...(c.knownThrough !== undefined ? { knownThrough: c.knownThrough } : {}),
    });
  }

  isWorkingDay(instant: Date): boolean {
    const date = format(instant, 'yyyy-MM-dd', { in: this.zone });
    if (this.makeUpDays.has(date)) return true;
    return !this.weekend.has(getDay(instant, { in: this.zone })) && !this.holidays.has(date);
  }

  /** True when `instant` falls after the last year whose holidays the calendar lists. */
  isBeyondKnownYears(instant: Date): boolean {
    return this.knownThrough !== undefined && Number(format(instant, 'yyyy', { in: this.zone })) > this.knownThrough;
  }

  /**
   * `n` working days after `from`, at the same local time: the day of submission does not count,
   * as in most administrative law. Holidays and weekend days are skipped.
   */
  addWorkingDays(from: Date, n: number): Date {
    let day = from;
    let left = n;
    while (left > 0) {
      day = addDays(day, 1, { in: this.zone });
      if (this.isWorkingDay(day)) left -= 1;
    }
    return new Date(day.getTime());
  }

  /**
   * The working days from the day after `from` up to and including the day of `to`, in local
   * time: what a pause from one to the other takes off a time limit in working days.
   */
  workingDaysBetween(from: Date, to: Date): number {
    const last = format(to, 'yyyy-MM-dd', { in: this.zone });
    let day = from;
    let days = 0;
    for (;;) {
      day = addDays(day, 1, { in: this.zone });
      if (format(day, 'yyyy-MM-dd', { in: this.zone }) > last) return days;
      if (this.isWorkingDay(day)) days += 1;
    }
  }
}
