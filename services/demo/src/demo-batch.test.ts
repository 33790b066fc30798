import { DOMAIN_EVENTS } from '@govmesh/contracts/domain-events';
import { describe, expect, it } from 'vitest';

import type { ApiSession } from './api-session.js';
import { runDemoBatch, twiceApplied, type DemoBatchOptions } from './demo-batch.js';
import { scenarioFor, type Scenario } from './scenarios.js';

const MARK: Record<Scenario, { type: string; facts: Record<string, unknown> } | undefined> = {
  'on-time': undefined,
  reassigned: { type: DOMAIN_EVENTS.deadlineBreached.type, facts: {} },
  fallback: { type: DOMAIN_EVENTS.fellBackInHouse.type, facts: {} },
  'invalid-corrected': { type: DOMAIN_EVENTS.resultRejected.type, facts: { code: 'CONTRACT.INVALID_OUTPUT' } },
  'review-rework': { type: DOMAIN_EVENTS.reviewDecided.type, facts: { decision: 'request-rework' } },
};

/** An API whose cases end after two polls, except those it is told to lose, keep running or end without their mark. */
function fakeApi(o: { lose?: number[]; neverEnd?: number[]; unmarked?: number[]; farDeadline?: number[] }) {
  const polls = new Map<string, number>();
  let open = 0;
  let mostOpen = 0;
  const reply = (status: number, body: unknown) => Promise.resolve({ status, body });
  const call = (_as: unknown, method: string, path: string): Promise<{ status: number; body: unknown }> => {
    if (method === 'POST' && path === '/v1/cases') {
      const caseId = `case-${polls.size}`;
      polls.set(caseId, 0);
      mostOpen = Math.max(mostOpen, (open += 1));
      return reply(202, { caseId });
    }
    const n = Number(/case-(\d+)/.exec(path)?.[1]);
    if (path.endsWith('/audit')) {
      const mark = o.unmarked?.includes(n) ? undefined : MARK[scenarioFor(n)];
      return reply(200, [
        ...(mark ? [{ ...mark, time: new Date().toISOString() }] : []),
        { type: DOMAIN_EVENTS.caseCompleted.type, facts: {}, time: new Date().toISOString() },
      ]);
    }
    if (path.startsWith('/v1/cases/')) {
      if (o.lose?.includes(n)) return ((open -= 1), reply(404, {}));
      const seen = (polls.get(`case-${n}`) ?? 0) + 1;
      polls.set(`case-${n}`, seen);
      if (o.farDeadline?.includes(n))
        return reply(200, { status: 'running', deadline: new Date(Date.now() + 86_400_000).toISOString() });
      if (seen < 2 || o.neverEnd?.includes(n)) return reply(200, { status: 'running', deadline: null });
      if (seen === 2) open -= 1;
      return reply(200, { status: 'completed', deadline: null });
    }
    if (path === '/v1/audit/verify') return reply(200, { ok: true, reason: null });
    if (path === '/v1/scorecards') return reply(200, [{ partnerId: 'swift-checks' }, { partnerId: 'someone-else' }]);
    return reply(500, {});
  };
  const api = {
    call,
    async expect(ok: number[], as: unknown, method: string, path: string) {
      const r = await call(as, method, path);
      if (!ok.includes(r.status)) throw new Error(`${method} ${path} answered ${r.status}`);
      return r.body;
    },
  } as unknown as ApiSession;
  return { api, mostOpen: () => mostOpen };
}

const crew = (): DemoBatchOptions['crew'] => ({
  scenarios: new Map(),
  partnerIds: new Set(['swift-checks']),
});

describe('the demo batch', () => {
  it('keeps no more than its in-flight limit open and counts each case by the outcome its trail shows', async () => {
    const { api, mostOpen } = fakeApi({});
    const summary = await runDemoBatch({ api, crew: crew(), cases: 10, inFlight: 3, pollMs: 20 });
    expect(mostOpen()).toBe(3);
    expect(summary).toMatchObject({
      submitted: 10,
      completed: 10,
      lost: 0,
      stuck: 0,
      unexpected: 0,
      ledgerVerified: true,
      problems: [],
      outcomes: { 'on-time': 2, reassigned: 2, fallback: 2, 'invalid-corrected': 2, 'review-rework': 2, other: 0 },
    });
    expect(summary.partners.map((c) => c.partnerId)).toEqual(['swift-checks']);
  }, 30_000);

  it('names every case that was lost, stuck past its time or ended without its scenario', async () => {
    const { api } = fakeApi({ lose: [1], neverEnd: [2], unmarked: [3] });
    const summary = await runDemoBatch({ api, crew: crew(), cases: 5, inFlight: 5, caseTimeoutMs: 300, pollMs: 20 });
    expect(summary).toMatchObject({ submitted: 5, completed: 3, lost: 1, stuck: 1, unexpected: 1 });
    expect(summary.problems).toEqual(
      expect.arrayContaining([
        'case-1 is unknown to the platform',
        expect.stringMatching(/^case-2 \(fallback\) was still running \d+ s after its submission$/) as unknown,
        'case-3 (invalid-corrected) ended completed with no mark',
      ]),
    );
  }, 30_000);
});

describe('a case applied twice', () => {
  const accepted = (taskId: string, attempt: number) => ({
    type: DOMAIN_EVENTS.resultAccepted.type,
    facts: { taskId, attempt },
  });
  const completed = { type: DOMAIN_EVENTS.caseCompleted.type, facts: {} };

  it('is a result accepted twice for the same task attempt, or a case that ended twice', () => {
    expect(twiceApplied([accepted('c:check', 1), accepted('c:check', 2), completed])).toEqual([]);
    expect(twiceApplied([accepted('c:check', 1), accepted('c:check', 1), completed, completed])).toEqual([
      `${DOMAIN_EVENTS.resultAccepted.type} c:check attempt 1`,
      'the case ended',
    ]);
  });
});

describe('a batch whose case never ends', () => {
  it('gives up on it after its give-up time even when its own deadline is days away, and ends', async () => {
    const { api } = fakeApi({ farDeadline: [1] });
    const summary = await runDemoBatch({
      api,
      crew: crew(),
      cases: 3,
      inFlight: 3,
      caseTimeoutMs: 100,
      giveUpMs: 400,
      pollMs: 20,
    });
    expect(summary).toMatchObject({ submitted: 3, completed: 2, stuck: 1 });
    expect(summary.problems).toEqual([
      expect.stringMatching(/^case-1 \(reassigned\) was still running \d+ s after its submission$/),
    ]);
  }, 30_000);
});
