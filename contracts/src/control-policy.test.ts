import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { controlPolicy, isAtLeastAsStrict } from './control-policy.js';
import type { ExecutionMode } from './service-definition.js';
import { validateServiceDefinition } from './validate-service-definition.js';

describe('controlPolicy', () => {
  it.each([
    [true, true, 'in-house'],
    [false, false, 'outsourced'],
    [true, false, 'controlled'],
    [false, true, 'controlled'],
  ] as const)('core %s, critical %s -> %s', (core, critical, mode) => {
    expect(controlPolicy({ core, critical })).toBe(mode);
  });
});

const modes: ExecutionMode[] = ['in-house', 'controlled', 'outsourced'];

/** A step with any classification, any explicit mode and any way of running it. */
const arbitraryStep = fc.record({
  core: fc.boolean(),
  critical: fc.boolean(),
  mode: fc.option(fc.constantFrom(...modes), { nil: undefined }),
  executor: fc.constantFrom('run', 'officer', 'partners'),
  review: fc.boolean(),
  deadline: fc.boolean(),
});
type ArbitraryStep = typeof arbitraryStep extends fc.Arbitrary<infer T> ? T : never;

function toStep(s: ArbitraryStep, i: number): Record<string, unknown> {
  return {
    id: `step-${i}`,
    task: 'background-check@1',
    classification: { core: s.core, critical: s.critical },
    ...(s.mode ? { mode: s.mode } : {}),
    ...(s.executor === 'run' ? { run: { agency: 'public-security', activity: 'checkRecords' } } : {}),
    ...(s.executor === 'officer' ? { officer: { role: 'licensing-officer' } } : {}),
    ...(s.executor === 'partners'
      ? { partners: { fallback: { role: 'licensing-officer' } }, share: ['applicant.name', 'applicant.dateOfBirth'] }
      : {}),
    ...(s.review ? { review: { role: 'licensing-officer' } } : {}),
    ...(s.deadline ? { deadline: { hours: 48 } } : {}),
  };
}

function definition(steps: ArbitraryStep[]): unknown {
  return {
    apiVersion: 'govmesh/v1',
    kind: 'Service',
    id: 'generated',
    version: 1,
    title: 'Generated',
    ownerAgency: 'market-regulation',
    application: { schema: 'business-licence-application@1' },
    steps: steps.map(toStep),
  };
}

describe('the control principle, over generated definitions', () => {
  it('never lets a core-and-critical step with partners validate', () => {
    fc.assert(
      fc.property(fc.array(arbitraryStep, { minLength: 1, maxLength: 6 }), (steps) => {
        const report = validateServiceDefinition(definition(steps));
        const forbidden = steps.some((s) => s.core && s.critical && s.executor === 'partners');
        if (forbidden) {
          expect(report.valid).toBe(false);
          expect(report.problems.map((p) => p.rule)).toContain('core-critical-to-partner');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never derives a mode weaker than the classification requires, and only partner work leaves in-house', () => {
    let validSeen = 0;
    fc.assert(
      fc.property(fc.array(arbitraryStep, { minLength: 1, maxLength: 6 }), (steps) => {
        const report = validateServiceDefinition(definition(steps));
        steps.forEach((s, i) => {
          const reported = report.steps.find((r) => r.id === `step-${i}`);
          expect(isAtLeastAsStrict(reported!.mode, controlPolicy(s))).toBe(true);
          if (report.valid && reported!.mode !== 'in-house') expect(s.executor).toBe('partners');
          if (report.valid && s.executor === 'partners') expect(reported!.mode).not.toBe('in-house');
        });
        if (report.valid) validSeen += 1;
      }),
      { numRuns: 500 },
    );
    // The property means something only if valid definitions were generated too.
    expect(validSeen).toBeGreaterThan(10);
  });
});
