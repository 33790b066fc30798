import { describe, expect, it } from 'vitest';

import { escalationPathOf, rolesAwaitedBy } from './service-rules.js';

const chain = ['licensing-supervisor', 'head-of-licensing'];

describe('escalationPathOf', () => {
  it('climbs the whole chain from an officer who is not in it', () => {
    expect(escalationPathOf('licensing-officer', undefined, chain)).toEqual(chain);
  });

  it("goes on from the role's own place when the task starts inside the chain", () => {
    expect(escalationPathOf('licensing-supervisor', undefined, chain)).toEqual(['head-of-licensing']);
    expect(escalationPathOf('head-of-licensing', undefined, chain)).toEqual([]);
  });

  it("starts at the step's escalateTo and climbs the chain above it", () => {
    expect(escalationPathOf('licensing-officer', 'head-of-licensing', chain)).toEqual(['head-of-licensing']);
    expect(escalationPathOf('licensing-officer', 'deputy', chain)).toEqual(['deputy', ...chain]);
  });

  it("without a chain goes to the step's escalateTo, else the role's supervisor, and ends there", () => {
    expect(escalationPathOf('licensing-officer', undefined, undefined)).toEqual(['licensing-officer-supervisor']);
    expect(escalationPathOf('licensing-officer', 'deputy', undefined)).toEqual(['deputy']);
  });

  it('never escalates a task to the role that already has it', () => {
    expect(escalationPathOf('deputy', 'deputy', undefined)).toEqual([]);
  });
});

describe('rolesAwaitedBy', () => {
  it("lists every role a case may wait on: officers, reviewers, fallbacks and each one's climb", () => {
    const steps = [
      { parallel: [{ partners: { fallback: { role: 'inspector' } } }, { run: { fallback: { role: 'clerk' } } }] },
      { partners: {}, review: { role: 'licensing-officer' } },
      { officer: { role: 'licensing-officer', escalateTo: 'deputy' } },
    ];
    expect(rolesAwaitedBy({ steps })).toEqual([
      'clerk',
      'clerk-supervisor',
      'deputy',
      'inspector',
      'inspector-supervisor',
      'licensing-officer',
      'licensing-officer-supervisor',
    ]);
    expect(rolesAwaitedBy({ steps, escalation: { chain } })).toEqual([
      'clerk',
      'deputy',
      'head-of-licensing',
      'inspector',
      'licensing-officer',
      'licensing-supervisor',
    ]);
  });
});
