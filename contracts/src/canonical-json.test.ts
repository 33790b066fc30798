import { randomInt } from 'node:crypto';

import canonicalize from 'canonicalize';
import { describe, expect, it } from 'vitest';

import { canonicalJson } from './canonical-json.js';

// Keys and strings that sort or escape differently by code unit, code point or locale.
const STRINGS = [
  '',
  'a',
  'A',
  'b',
  'é',
  'e\u0301',
  '€',
  '日本',
  '😀',
  '\uFB33',
  'x\ny',
  '"q"',
  'back\\slash',
  '\u0001\u001f',
  '\u2028',
  'Z',
  '10',
  '9',
];
const NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.1,
  1e21,
  1e-7,
  5e-324,
  1.7976931348623157e308,
  333333333.3333333,
  4.5,
  2e-3,
  -123456789.125,
  2 ** 53,
];

/** A random JSON value of every kind, nested. */
function randomValue(depth: number): unknown {
  const kind = randomInt(depth > 3 ? 4 : 6);
  switch (kind) {
    case 0:
      return STRINGS[randomInt(STRINGS.length)];
    case 1:
      return NUMBERS[randomInt(NUMBERS.length)];
    case 2:
      return [null, true, false][randomInt(3)];
    case 3:
      return STRINGS[randomInt(STRINGS.length)]! + String(randomInt(100));
    case 4:
      return Array.from({ length: randomInt(4) }, () => randomValue(depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: randomInt(6) }, () => [STRINGS[randomInt(STRINGS.length)]!, randomValue(depth + 1)]),
      );
  }
}

describe('canonical JSON (RFC 8785)', () => {
  it("writes the RFC's own example byte for byte", () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    ) as unknown;
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('makes the same bytes as the canonicalize package on 2,000 values of every kind', () => {
    for (let i = 0; i < 2000; i += 1) {
      const value = randomValue(0);
      expect(canonicalJson(value)).toBe(canonicalize(value));
    }
  });

  it('leaves out undefined members and writes undefined array items as null, as JSON does', () => {
    expect(canonicalJson({ b: undefined, a: [undefined, 1] })).toBe('{"a":[null,1]}');
    expect(canonicalJson({ when: new Date(Date.UTC(2026, 11, 2)) })).toBe('{"when":"2026-12-02T00:00:00.000Z"}');
  });

  it('refuses what is not JSON: a lone surrogate, a non-finite number, a value that refers to itself', () => {
    expect(() => canonicalJson({ k: 'a\uD800' })).toThrow(/surrogate/i);
    expect(() => canonicalJson({ '\uDC00': 1 })).toThrow(/surrogate/i);
    expect(canonicalJson('😀')).toBe('"😀"'); // a pair is fine
    expect(() => canonicalJson([Number.NaN])).toThrow(/NaN/);
    expect(() => canonicalJson({ n: Infinity })).toThrow(/Infinity/);
    expect(() => canonicalJson(10n)).toThrow(/bigint/);
    expect(() => canonicalJson(undefined)).toThrow(/must be JSON/);
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => canonicalJson(loop)).toThrow(/refers to itself/);
  });
});
