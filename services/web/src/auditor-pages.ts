import type express from 'express';

import { ApiProblem, type PartnerScorecard } from './api-client.js';
import { formatDuration } from './locale.js';
import type { PageKit } from './page-kit.js';

/** How many days the scorecards' trend covers, one bar a day. */
export const TREND_DAYS = 7;
const DAY_MS = 86_400_000;

/** The days of the trend, oldest first, each as the window the API counts over. */
export function trendWindows(now: Date, days = TREND_DAYS): Array<{ since: string; until: string }> {
  const endOfToday = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + DAY_MS;
  return Array.from({ length: days }, (_, i) => {
    const until = endOfToday - (days - 1 - i) * DAY_MS;
    return { since: new Date(until - DAY_MS).toISOString(), until: new Date(until).toISOString() };
  });
}

/**
 * The bars of one trend as an SVG: heights from the rates (a missing day has no bar). The chart is
 * for the eye; its label carries the same figures in words for everyone else.
 */
export function trendBars(rates: ReadonlyArray<number | null>): Array<{ x: number; y: number; height: number }> {
  const height = 40;
  return rates.flatMap((rate, i) =>
    rate === null
      ? []
      : [
          {
            x: i * 12,
            y: height - Math.max(1, Math.round(rate * height)),
            height: Math.max(1, Math.round(rate * height)),
          },
        ],
  );
}

const key = (c: Pick<PartnerScorecard, 'partnerId' | 'taskType'>) => `${c.partnerId} ${c.taskType}`;

/** The most scorecard rows one page shows; the partner filter finds the others. */
export const MAX_SCORECARD_ROWS = 100;

/** The auditor dashboard: partner scorecards with their trend, the ledger's verdict, a case's trail. */
export function auditorPages(app: express.Express, kit: PageKit): void {
  app.get(
    '/audit',
    kit.wrap(async (req, res) => {
      const session = kit.signedInAs(req, res, 'auditor');
      if (!session) return;
      const locale = kit.locale(req);
      const windows = trendWindows(new Date());
      const [cards, verdict, ...days] = await Promise.all([
        kit.api.scorecards(session.token),
        kit.api.verifyLedger(session.token),
        ...windows.map((w) => kit.api.scorecards(session.token, w)),
      ]);
      const percent = new Intl.NumberFormat(locale, { style: 'percent' });
      const none = kit.t(req, 'audit.none');
      // A long-used ledger holds hundreds of partners: the page shows a screenful, and a filter
      // by partner finds any of them.
      const filter = typeof req.query.partner === 'string' ? req.query.partner.trim().slice(0, 100) : '';
      const matching = cards
        .filter((c) => c.assigned > 0)
        .filter((c) => c.partnerId.toLowerCase().includes(filter.toLowerCase()));
      const rows = matching.slice(0, MAX_SCORECARD_ROWS).map((c) => {
        const sameDay = days.map((day) => day.find((d) => key(d) === key(c)));
        const rates = sameDay.map((d) => d?.onTimeRate ?? null);
        const medians = sameDay.map((d) => d?.turnaroundMs.median ?? null);
        // Turnaround bars are scaled to the slowest day of the week shown.
        const slowest = Math.max(0, ...medians.filter((m): m is number => m !== null));
        return {
          partnerId: c.partnerId,
          taskType: c.taskType,
          assigned: String(c.assigned),
          onTime: c.onTimeRate === null ? none : percent.format(c.onTimeRate),
          turnaround: c.turnaroundMs.median === null ? none : formatDuration(c.turnaroundMs.median, locale),
          score: c.score === null ? none : percent.format(c.score),
          bars: trendBars(rates),
          turnaroundBars: trendBars(medians.map((m) => (m === null || slowest === 0 ? m : m / slowest))),
          turnaroundLabel: kit.t(req, 'audit.turnaroundLabel', {
            days: String(TREND_DAYS),
            values: medians.map((m) => (m === null ? none : formatDuration(m, locale))).join(', '),
          }),
          trendLabel: kit.t(req, 'audit.trendLabel', {
            days: String(TREND_DAYS),
            values: rates.map((r) => (r === null ? none : percent.format(r))).join(', '),
          }),
        };
      });
      kit.render(req, res, 'audit', {
        title: kit.t(req, 'audit.title'),
        section: 'audit',
        days: String(TREND_DAYS),
        rows,
        filter,
        shown: rows.length,
        total: matching.length,
        ledger: verdict.ok
          ? kit.t(req, 'audit.ledgerOk', { records: String(verdict.records), signed: String(verdict.signedThrough) })
          : kit.t(req, 'audit.ledgerBroken', {
              first: String(verdict.firstBroken ?? '?'),
              reason: verdict.reason ?? '',
            }),
        ledgerOk: verdict.ok,
      });
    }),
  );

  app.get(
    '/audit/cases',
    kit.wrap((req, res) => {
      const caseId = typeof req.query.caseId === 'string' ? req.query.caseId.trim() : '';
      res.redirect(303, caseId ? `/audit/cases/${encodeURIComponent(caseId)}` : '/audit');
      return Promise.resolve();
    }),
  );

  app.get(
    '/audit/cases/:id',
    kit.wrap(async (req, res) => {
      const session = kit.signedInAs(req, res, 'auditor');
      if (!session) return;
      const caseId = String(req.params.id);
      let trail;
      try {
        trail = await kit.api.auditTrail(session.token, caseId);
      } catch (err) {
        if (err instanceof ApiProblem && err.status === 404) {
          kit.render(req, res, 'problem', { title: kit.t(req, 'errors.notFound'), lines: [err.message] }, 404);
          return;
        }
        throw err;
      }
      kit.render(req, res, 'audit-trail', {
        title: kit.t(req, 'audit.trailTitle', { caseId }),
        section: 'audit',
        entries: trail.map((e) => ({
          seq: String(e.seq),
          time: kit.when(req, e.time),
          type: e.type.replace(/^gov\.govmesh\./, '').replace(/\.v\d+$/, ''),
          actor: `${e.actor.kind}: ${e.actor.id}`,
          hash: e.hash.slice(0, 16),
        })),
      });
    }),
  );
}
