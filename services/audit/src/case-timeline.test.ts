import { DOMAIN_EVENTS } from '@govmesh/contracts/domain-events';
import { describe, expect, it } from 'vitest';

import { citizenTimeline } from './case-timeline.js';
import type { LedgerRecord } from './ledger-record.js';

const record = (seq: number, type: string, facts: Record<string, unknown>): LedgerRecord =>
  ({
    seq,
    eventId: `e-${seq}`,
    time: `2026-12-01T10:0${seq}:00.000Z`,
    type,
    caseId: 'c-1',
    actor: { kind: 'system', id: 'worker' },
    facts,
    payloadDigest: '0'.repeat(64),
    prevHash: '0'.repeat(64),
    hash: '0'.repeat(64),
  }) as unknown as LedgerRecord;

describe("the citizen's timeline", () => {
  it("says a delayed agency's step went to an officer, and a step undone when the case did not go ahead", () => {
    const lines = citizenTimeline([
      record(1, DOMAIN_EVENTS.agencyUnavailable.type, {
        stepId: 'verify-identity',
        agency: 'public-security',
        activity: 'verifyIdentity',
        waitedSeconds: 300,
        fallbackRole: 'identity-officer',
      }),
      // Without a fallback the case fails; the failure says so, this line would say nothing more.
      record(2, DOMAIN_EVENTS.agencyUnavailable.type, {
        stepId: 'verify-identity',
        agency: 'public-security',
        activity: 'verifyIdentity',
        waitedSeconds: 300,
      }),
      record(3, DOMAIN_EVENTS.stepCompensated.type, {
        stepId: 'income-verification',
        agency: 'social-security',
        activity: 'cancelIncomeRecord',
        outcome: 'done',
      }),
      // An undo the agency could not do is the agency's to handle, not news for the citizen.
      record(4, DOMAIN_EVENTS.stepCompensated.type, {
        stepId: 'verify-identity',
        agency: 'treasury',
        activity: 'refundFee',
        outcome: 'failed',
        reason: 'refused',
      }),
    ]);
    expect(lines.map((l) => [l.event, l.values])).toEqual([
      ['agency-delayed', { step: 'verify identity' }],
      ['step-undone', { step: 'income verification' }],
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/public-security|treasury|identity-officer/);
  });
});
