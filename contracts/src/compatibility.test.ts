import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { breakingChanges, type Direction } from './compatibility.js';
import { toJsonSchema } from './json-schema.js';

const v1 = z.object({
  taskRef: z.string().max(40),
  verdict: z.enum(['clear', 'flagged']),
  score: z.number().min(0).max(100),
  notes: z.string().optional(),
  address: z.object({ street: z.string(), city: z.string() }),
});

function changes(next: z.ZodObject, direction: Direction): string[] {
  return breakingChanges(toJsonSchema(v1), toJsonSchema(next), direction).map((c) => `${c.rule} ${c.path}`);
}

describe('compatibility of a new revision for partners coded against the old one', () => {
  it('accepts an added optional field, both ways', () => {
    const next = v1.extend({ inspectorBadge: z.string().optional() });
    expect(changes(next, 'to-partner')).toEqual([]);
    expect(changes(next, 'from-partner')).toEqual([]);
  });

  it('refuses a removed field, both ways', () => {
    expect(changes(v1.omit({ notes: true }), 'from-partner')).toEqual(['removed notes']);
    expect(changes(v1.omit({ notes: true }), 'to-partner')).toEqual(['removed notes']);
  });

  it('names a rename as such', () => {
    const next = v1.omit({ verdict: true }).extend({ outcome: z.enum(['clear', 'flagged']) });
    expect(changes(next, 'to-partner')).toEqual(['renamed verdict']);
  });

  it('refuses a retyped field, also deep inside an object', () => {
    expect(changes(v1.extend({ score: z.string() }), 'from-partner')).toEqual(['retyped score']);
    expect(changes(v1.extend({ address: z.object({ street: z.string(), city: z.number() }) }), 'to-partner')).toEqual([
      'retyped address.city',
    ]);
  });

  it('refuses tightening what a partner sends: a shorter limit, a lost enum value, a new pattern', () => {
    expect(changes(v1.extend({ taskRef: z.string().max(20) }), 'from-partner')).toEqual(['tightened taskRef']);
    expect(changes(v1.extend({ verdict: z.enum(['clear']) }), 'from-partner')).toEqual(['tightened verdict']);
    expect(
      changes(
        v1.extend({
          notes: z
            .string()
            .regex(/^[A-Z]/)
            .optional(),
        }),
        'from-partner',
      ),
    ).toEqual(['tightened notes']);
    expect(changes(v1.extend({ score: z.number().min(10).max(100) }), 'from-partner')).toEqual(['tightened score']);
  });

  it('refuses making a partner send a field it did not have to, or a new required one', () => {
    expect(changes(v1.extend({ notes: z.string() }), 'from-partner')).toEqual(['made-required notes']);
    expect(changes(v1.extend({ signature: z.string() }), 'from-partner')).toEqual(['required-added signature']);
  });

  it('refuses loosening what a partner reads: a new enum value, a field it relied on turned optional', () => {
    expect(changes(v1.extend({ verdict: z.enum(['clear', 'flagged', 'unknown']) }), 'to-partner')).toEqual([
      'loosened verdict',
    ]);
    expect(changes(v1.extend({ address: v1.shape.address.optional() }), 'to-partner')).toEqual([
      'made-optional address',
    ]);
    // …while the same loosening of what a partner sends is harmless.
    expect(changes(v1.extend({ verdict: z.enum(['clear', 'flagged', 'unknown']) }), 'from-partner')).toEqual([]);
  });

  it('refuses a changed pattern either way', () => {
    const before = v1.extend({ notes: z.string().regex(/^[A-Z]/) });
    const after = v1.extend({ notes: z.string().regex(/^[a-z]/) });
    const result = breakingChanges(toJsonSchema(before), toJsonSchema(after), 'to-partner');
    expect(result.map((c) => c.rule)).toEqual(['changed']);
  });
});
