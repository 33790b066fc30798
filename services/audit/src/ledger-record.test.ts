import { describe, expect, it } from 'vitest';

import { canonicalJson } from './canonical-hash.js';
import { chainRecord, recordCanonicalJson, recordHash, type LedgerEntry } from './ledger-record.js';

const entry = (over: Partial<LedgerEntry> = {}): LedgerEntry => ({
  eventId: 'case-1/7',
  time: '2026-12-02T06:30:00.000Z',
  type: 'govmesh.case.step.started.v1',
  caseId: 'case-1',
  actor: { kind: 'system', id: 'worker' },
  facts: { stepId: 'check', mode: 'outsourced', attempt: 2, nested: { b: [1, 2.5, null, true], a: 'é' } },
  payloadDigest: 'a'.repeat(64),
  ...over,
});

describe("a ledger record's canonical form", () => {
  // Members whose order, escaping or number form a hand-written serializer could get wrong.
  const cases: Array<[string, Partial<LedgerEntry>]> = [
    ['plain', {}],
    ['quotes, backslashes and control characters', { caseId: 'c"a\\s\ne\u0001', eventId: 'e\t1' }],
    ['non-ASCII and astral characters', { caseId: 'dossier-ß-日本-😀', type: 'тип' }],
    [
      'facts of every JSON kind, keys out of order',
      { facts: { z: 1e21, y: -0.000001, x: [], w: {}, '€': 'x', A: 'upper' } },
    ],
    ['no facts', { facts: {} }],
    ['an actor with more members', { actor: { kind: 'partner', id: 'acme', extra: 'x' } as LedgerEntry['actor'] }],
  ];

  it.each(cases)('is the bytes canonicalJson makes of it: %s', (_, over) => {
    const { record, factsJson } = chainRecord(entry(over), 12, 'f'.repeat(64));
    const { hash: _hash, ...unsigned } = record;
    expect(recordCanonicalJson(unsigned, factsJson)).toBe(canonicalJson(unsigned));
    expect(factsJson).toBe(canonicalJson(unsigned.facts));
    expect(record.hash).toBe(recordHash(unsigned));
  });

  it('refuses a lone surrogate in a member or a fact, as the library does', () => {
    expect(() => chainRecord(entry({ caseId: 'a\uD800b' }), 1, 'f'.repeat(64))).toThrow(/surrogate/i);
    expect(() => chainRecord(entry({ facts: { note: '\uDC00' } }), 1, 'f'.repeat(64))).toThrow(/surrogate/i);
  });

  it('refuses a member that is not a string, naming it', () => {
    expect(() => chainRecord(entry({ caseId: 42 as unknown as string }), 1, 'f'.repeat(64))).toThrow(/caseId/);
  });
});
