import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

import type { JsonSchema } from '../json-schema.js';
import { CLASSIFICATION_KEYWORD, DATA_CLASSIFICATIONS } from './classification.js';

/**
 * The one JSON Schema validator of govmesh (ajv, draft 2020-12, with formats): applications in the
 * API, citizen input and partner outputs in the workflow, task inputs in the partner SDK, all
 * against the *published* schemas. Pure and deterministic, so it runs inside the workflow sandbox.
 */

/** One thing wrong with a value: a dotted path (`applicant.name`, `findings.0`; '' for the root) and the rule broken. */
export interface SchemaError {
  readonly path: string;
  readonly message: string;
  /** The JSON Schema keyword broken (`type`, `maxLength`, `required`, …): a page words it in its reader's language. */
  readonly rule?: string;
  /** The keyword's parameters as ajv gives them (`{ limit: 40 }`). */
  readonly params?: Readonly<Record<string, unknown>>;
}

// ajv-formats is CommonJS; its default export arrives wrapped under some loaders and not others.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2020,
) => Ajv2020;

function newAjv(strict: boolean): Ajv2020 {
  // allErrors: a citizen or partner sees every problem at once, not the first.
  const ajv = new Ajv2020({
    // Checking a schema against the 2020-12 meta-schema compiles that meta-schema first, the
    // costliest thing ajv does. The strict instance vets what agencies publish, so it checks; the
    // lenient one validates values against schemas vetted at publication, and in the workflow
    // sandbox it is built anew for every case (modules are per workflow there), so it does not.
    validateSchema: strict,
    allErrors: true,
    // Strict: an unknown keyword or format is refused, never silently ignored. Types are not
    // required next to their keywords: JSON Schema does not ask for it.
    strictSchema: strict,
    strictNumbers: strict,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    validateFormats: true,
    allowUnionTypes: true,
    logger: false,
  });
  addFormats(ajv);
  // Which fields hold personal data: an annotation the validator carries and never enforces.
  ajv.addKeyword({
    keyword: CLASSIFICATION_KEYWORD,
    ...(strict ? { metaSchema: { enum: [...DATA_CLASSIFICATIONS] } } : {}),
  });
  return ajv;
}

let lenient: Ajv2020 | undefined;
let strictAjv: Ajv2020 | undefined;
/** Compiled once per schema text: a published revision never changes, and replays compile nothing new. */
const compiled = new Map<string, { schema: object; validate: ValidateFunction }>();
const CACHE_LIMIT = 2_000;

/** The ajv instance in strict mode, which refuses unknown keywords and formats (for vetting). */
export function strictValidator(): Ajv2020 {
  return (strictAjv ??= newAjv(true));
}

function validatorFor(schema: JsonSchema): ValidateFunction {
  const key = JSON.stringify(schema);
  const hit = compiled.get(key);
  if (hit) return hit.validate;
  // Published schemas were vetted in strict mode; a schema from an older case is taken as it was.
  const ajv = (lenient ??= newAjv(false));
  const copy = { ...schema, $id: undefined };
  const validate = ajv.compile(copy);
  if (compiled.size >= CACHE_LIMIT) {
    const [oldest, entry] = compiled.entries().next().value!;
    compiled.delete(oldest);
    ajv.removeSchema(entry.schema);
  }
  compiled.set(key, { schema: copy, validate });
  return validate;
}

/** Every way `value` breaks `schema`, or none. */
export function schemaErrors(schema: JsonSchema, value: unknown): SchemaError[] {
  const validate = validatorFor(schema);
  if (validate(value)) return [];
  const errors = validate.errors ?? [];
  // A date or an email carries a format and the pattern that spells it out: one reason is enough.
  const formatted = new Set(errors.filter((e) => e.keyword === 'format').map((e) => e.instancePath));
  return errors.filter((e) => !(e.keyword === 'pattern' && formatted.has(e.instancePath))).map(toSchemaError);
}

/** `errors` as today's `reasons`: `<prefix>.<path>: <message>`. */
export function describeSchemaErrors(errors: readonly SchemaError[], prefix: string): string[] {
  return errors.map((e) => `${[prefix, e.path].filter(Boolean).join('.')}: ${e.message}`);
}

function toSchemaError(e: ErrorObject): SchemaError {
  const parts = e.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const rule = { rule: e.keyword, params: e.params as Record<string, unknown> };
  if (e.keyword === 'required') {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    return { path: [...parts, missing].join('.'), message: 'is required', ...rule };
  }
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    return { path: [...parts, extra].join('.'), message: 'is not a field of this contract', ...rule };
  }
  return { path: parts.join('.'), message: e.message ?? `breaks the ${e.keyword} rule`, ...rule };
}

/**
 * `value` with only the fields `schema` declares (recursively through objects and arrays): what a
 * citizen sent beyond the form is not kept, as data minimization asks.
 */
export function withoutUndeclared(schema: JsonSchema, value: unknown): unknown {
  if (Array.isArray(value)) return schema.items ? value.map((v) => withoutUndeclared(schema.items!, v)) : value;
  if (value === null || typeof value !== 'object' || !schema.properties) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const declared = schema.properties[key];
    if (declared) out[key] = withoutUndeclared(declared, child);
    else if (
      schema.additionalProperties !== undefined &&
      schema.additionalProperties !== false &&
      schema.additionalProperties !== true
    )
      out[key] = child;
  }
  return out;
}
