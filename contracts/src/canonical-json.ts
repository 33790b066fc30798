import { createHash } from 'node:crypto';

/**
 * The RFC 8785 (JCS) form of a JSON value: the same bytes on every machine and in every language.
 *
 * Written here rather than taken from the `canonicalize` package, which makes the same bytes (the
 * tests hold the two to each other on every kind of value) at about four times the cost: the
 * ledger canonicalizes every record twice (its hash, then again to verify it), and that library's
 * per-character surrogate scan and per-member recursion were the largest cost of an append
 * (bench/RESULTS.md). JCS is JSON.stringify with members sorted by UTF-16 code units, which is
 * how `sort()` orders strings, and with lone surrogates and non-finite numbers refused.
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined) throw new TypeError('a canonical JSON value must be JSON');
  return write(value, 0);
}

/** SHA-256 of the canonical JSON of a value, as lowercase hex. */
export function digestOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

// Deeper than any event or record: past it, a value refers to itself or was built to exhaust us.
const MAX_DEPTH = 256;
const SURROGATE = /[\uD800-\uDFFF]/;

function write(value: unknown, depth: number): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return text(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${String(value)} is not allowed in canonical JSON`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (depth >= MAX_DEPTH)
        throw new TypeError(`a JSON value nests deeper than ${MAX_DEPTH} levels, or refers to itself`);
      return composite(value, depth + 1);
    default:
      // bigint, function, symbol: not JSON (a member holding a function or symbol is left out, below).
      throw new TypeError(`a ${typeof value} is not allowed in canonical JSON`);
  }
}

function composite(value: object, depth: number): string {
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return write((toJSON as () => unknown).call(value), depth);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i += 1) {
      const item: unknown = value[i];
      out += (i === 0 ? '' : ',') + (absent(item) ? 'null' : write(item, depth));
    }
    return `${out}]`;
  }
  let out = '{';
  let first = true;
  for (const key of Object.keys(value).sort()) {
    const member: unknown = (value as Record<string, unknown>)[key];
    if (absent(member)) continue;
    out += `${first ? '' : ','}${text(key)}:${write(member, depth)}`;
    first = false;
  }
  return `${out}}`;
}

/** What JSON.stringify leaves out of an object and writes as null in an array. */
function absent(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

function text(value: string): string {
  // JSON.stringify would escape a lone surrogate; RFC 8785 refuses it (so does `canonicalize`).
  if (SURROGATE.test(value) && !wellFormed(value)) throw new TypeError('Lone surrogate is not allowed');
  return JSON.stringify(value);
}

/** Every high surrogate followed by a low one, and no low one alone. */
function wellFormed(value: string): boolean {
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i += 1;
    } else if (code >= 0xdc00 && code <= 0xdfff) return false;
  }
  return true;
}
