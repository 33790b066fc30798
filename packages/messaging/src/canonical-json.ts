import { createHash } from 'node:crypto';

import canonicalize from 'canonicalize';

/** The RFC 8785 (JCS) form of a JSON value: the same bytes on every machine and in every language. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('a ledger value must be JSON');
  return text;
}

/** SHA-256 of the canonical JSON of a value, as lowercase hex. */
export function digestOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
