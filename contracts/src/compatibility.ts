import type { JsonSchema } from './json-schema.js';

/**
 * Which way data flows decides what breaks a partner coded against the old version:
 * - `to-partner` (task input): the partner reads it, so a field may not disappear, become
 *   optional, or accept values the partner has never seen (loosening).
 * - `from-partner` (task output): govmesh validates what the partner writes, so a field may not
 *   become required, and no rule may get stricter (tightening).
 * Adding an optional field is fine both ways.
 */
export type Direction = 'to-partner' | 'from-partner';

export type BreakingRule =
  | 'removed'
  | 'renamed'
  | 'retyped'
  | 'required-added'
  | 'made-required'
  | 'made-optional'
  | 'tightened'
  | 'loosened'
  | 'changed';

export interface BreakingChange {
  readonly path: string;
  readonly rule: BreakingRule;
  readonly message: string;
}

type Change = 'same' | 'tightened' | 'loosened' | 'changed';

const LOWER_BOUNDS = ['minLength', 'minimum', 'exclusiveMinimum', 'minItems', 'minProperties'] as const;
const UPPER_BOUNDS = ['maxLength', 'maximum', 'exclusiveMaximum', 'maxItems', 'maxProperties'] as const;
const EXACT = ['pattern', 'format', 'const', 'multipleOf'] as const;

/** Every change from `before` to `after` that would break a partner coded against `before`. */
export function breakingChanges(before: JsonSchema, after: JsonSchema, direction: Direction): BreakingChange[] {
  const out: BreakingChange[] = [];
  compare(before, after, '', direction, out);
  return out;
}

function compare(a: JsonSchema, b: JsonSchema, path: string, direction: Direction, out: BreakingChange[]): void {
  const at = path || '(root)';
  const typeA = JSON.stringify(a.type ?? null);
  const typeB = JSON.stringify(b.type ?? null);
  if (typeA !== typeB) {
    out.push({ path: at, rule: 'retyped', message: `${at} changed type from ${typeA} to ${typeB}` });
    return;
  }
  for (const combinator of ['anyOf', 'oneOf'] as const) {
    if (JSON.stringify(a[combinator] ?? null) !== JSON.stringify(b[combinator] ?? null)) {
      out.push({ path: at, rule: 'changed', message: `${at} changed its alternatives (${combinator})` });
    }
  }
  for (const [keyword, change] of constraintChanges(a, b)) {
    if (change === 'same') continue;
    if (change === 'changed' || (change === 'tightened') === (direction === 'from-partner')) {
      out.push({
        path: at,
        rule: change,
        message: `${at} ${describe(change)} its ${keyword} rule (${JSON.stringify(a[keyword] ?? null)} → ${JSON.stringify(b[keyword] ?? null)})`,
      });
    }
  }
  if (a.items && b.items) compare(a.items, b.items, `${path}[]`, direction, out);
  compareProperties(a, b, path, direction, out);
}

function compareProperties(
  a: JsonSchema,
  b: JsonSchema,
  path: string,
  direction: Direction,
  out: BreakingChange[],
): void {
  const propsA = a.properties ?? {};
  const propsB = b.properties ?? {};
  const reqA = new Set(a.required ?? []);
  const reqB = new Set(b.required ?? []);
  const join = (key: string): string => (path ? `${path}.${key}` : key);
  const added = Object.keys(propsB).filter((k) => !(k in propsA));

  for (const [key, schemaA] of Object.entries(propsA)) {
    const schemaB = propsB[key];
    if (!schemaB) {
      const twin = added.find((k) => JSON.stringify(propsB[k]) === JSON.stringify(schemaA));
      out.push(
        twin
          ? { path: join(key), rule: 'renamed', message: `${join(key)} was renamed to ${join(twin)}` }
          : { path: join(key), rule: 'removed', message: `${join(key)} was removed` },
      );
      continue;
    }
    if (!reqA.has(key) && reqB.has(key) && direction === 'from-partner') {
      out.push({ path: join(key), rule: 'made-required', message: `${join(key)} became required` });
    }
    if (reqA.has(key) && !reqB.has(key) && direction === 'to-partner') {
      out.push({
        path: join(key),
        rule: 'made-optional',
        message: `${join(key)} became optional, but partners rely on it`,
      });
    }
    compare(schemaA, schemaB, join(key), direction, out);
  }
  for (const key of added) {
    if (reqB.has(key) && direction === 'from-partner') {
      out.push({ path: join(key), rule: 'required-added', message: `${join(key)} was added as a required field` });
    }
  }
  if (a.additionalProperties !== false && b.additionalProperties === false && direction === 'from-partner') {
    out.push({
      path: path || '(root)',
      rule: 'tightened',
      message: `${path || '(root)'} no longer accepts additional properties`,
    });
  }
}

function constraintChanges(a: JsonSchema, b: JsonSchema): Array<[string, Change]> {
  const out: Array<[string, Change]> = [];
  const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
  for (const k of LOWER_BOUNDS) out.push([k, bound(num(a[k]), num(b[k]), 'lower')]);
  for (const k of UPPER_BOUNDS) out.push([k, bound(num(a[k]), num(b[k]), 'upper')]);
  for (const k of EXACT) {
    const x = a[k];
    const y = b[k];
    out.push([
      k,
      x === undefined && y === undefined
        ? 'same'
        : x === undefined
          ? 'tightened'
          : y === undefined
            ? 'loosened'
            : JSON.stringify(x) === JSON.stringify(y)
              ? 'same'
              : 'changed',
    ]);
  }
  out.push(['enum', enumChange(a.enum, b.enum)]);
  return out;
}

function bound(x: number | undefined, y: number | undefined, kind: 'lower' | 'upper'): Change {
  if (x === y) return 'same';
  if (x === undefined) return 'tightened';
  if (y === undefined) return 'loosened';
  return (kind === 'lower' ? y > x : y < x) ? 'tightened' : 'loosened';
}

function enumChange(x: readonly unknown[] | undefined, y: readonly unknown[] | undefined): Change {
  if (!x && !y) return 'same';
  if (!x) return 'tightened';
  if (!y) return 'loosened';
  const sx = new Set(x.map((v) => JSON.stringify(v)));
  const sy = new Set(y.map((v) => JSON.stringify(v)));
  const lost = [...sx].some((v) => !sy.has(v));
  const gained = [...sy].some((v) => !sx.has(v));
  return lost && gained ? 'changed' : lost ? 'tightened' : gained ? 'loosened' : 'same';
}

function describe(change: Change): string {
  return change === 'tightened' ? 'tightened' : change === 'loosened' ? 'loosened' : 'changed';
}
