import { z } from 'zod';

/** The subset of JSON Schema the contracts produce and the compatibility check reads. */
export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly items?: JsonSchema;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly [keyword: string]: unknown;
}

/**
 * JSON Schema (2020-12) of what a zod schema *accepts*. Objects are left open
 * (no `additionalProperties: false`), so that adding an optional field never breaks a partner
 * who validates strictly.
 */
export function toJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/** Whether a dotted path (`applicant.name`) names a field of an object schema. */
export function hasPath(schema: JsonSchema, path: string): boolean {
  let node: JsonSchema | undefined = schema;
  for (const key of path.split('.')) {
    node = node?.properties?.[key];
    if (!node) return false;
  }
  return true;
}
