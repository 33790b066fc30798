import { breakingChanges, type BreakingChange } from '../compatibility.js';
import { hasPath, type JsonSchema } from '../json-schema.js';
import type { FormUi } from './publications.js';
import { CLASSIFICATION_KEYWORD, DATA_CLASSIFICATIONS } from './classification.js';
import { strictValidator } from './schema-validator.js';

/** One thing wrong with a publication: where (`input.properties.x`), the rule, a sentence. */
export interface ContractProblem {
  readonly path: string;
  readonly rule: string;
  readonly message: string;
}

/**
 * The keywords a published schema may use: those ajv enforces *and* the compatibility gate can
 * compare. A keyword outside this list (`$ref`, `if`, `patternProperties`, …) could hide a
 * breaking change from the gate, so it is refused at publish rather than trusted.
 */
const SUPPORTED = new Set([
  '$schema',
  'title',
  'description',
  'default',
  'examples',
  'deprecated',
  'readOnly',
  'writeOnly',
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'const',
  'anyOf',
  'oneOf',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'pattern',
  'format',
  'multipleOf',
  // An annotation, not a constraint: which fields hold personal data (logs redact them).
  CLASSIFICATION_KEYWORD,
]);
const DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/** Every reason `schema` cannot be published at `path`: not JSON Schema 2020-12, or beyond what govmesh enforces. */
export function vetSchema(schema: unknown, path: string): ContractProblem[] {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema))
    return [{ path, rule: 'json-schema', message: `${path} must be a JSON Schema object` }];
  const s = schema as JsonSchema;
  const problems: ContractProblem[] = [];
  if (s.$schema !== undefined && s.$schema !== DIALECT)
    problems.push({
      path: `${path}.$schema`,
      rule: 'json-schema-dialect',
      message: `${path}.$schema must be ${DIALECT}`,
    });
  if (s.type !== 'object')
    problems.push({
      path: `${path}.type`,
      rule: 'object-root',
      message: `${path} must describe an object (type: object)`,
    });
  walk(s, path, problems);
  const ajv = strictValidator();
  if (!ajv.validateSchema(s)) {
    for (const e of ajv.errors ?? []) {
      const at = `${path}${e.instancePath.replace(/\//g, '.')}`;
      problems.push({ path: at, rule: 'json-schema', message: `${at} ${e.message ?? 'is not valid JSON Schema'}` });
    }
  } else if (problems.length === 0) {
    const copy = { ...s, $id: undefined };
    try {
      ajv.compile(copy);
    } catch (err) {
      problems.push({ path, rule: 'json-schema', message: `${path}: ${(err as Error).message}` });
    } finally {
      ajv.removeSchema(copy);
    }
  }
  return problems;
}

function walk(s: JsonSchema, path: string, problems: ContractProblem[]): void {
  for (const key of Object.keys(s)) {
    if (!SUPPORTED.has(key))
      problems.push({
        path: `${path}.${key}`,
        rule: 'unsupported-keyword',
        message: `${path}.${key}: ${key} is not supported in govmesh contracts (the compatibility gate could not compare it); use ${[...SUPPORTED].filter((k) => !k.startsWith('$')).join(', ')}`,
      });
  }
  const marked = s[CLASSIFICATION_KEYWORD];
  if (marked !== undefined && !(DATA_CLASSIFICATIONS as readonly unknown[]).includes(marked))
    problems.push({
      path: `${path}.${CLASSIFICATION_KEYWORD}`,
      rule: 'classification',
      message: `${path}.${CLASSIFICATION_KEYWORD} must be one of ${DATA_CLASSIFICATIONS.join(', ')}`,
    });
  if (s.additionalProperties !== undefined && typeof s.additionalProperties !== 'boolean')
    problems.push({
      path: `${path}.additionalProperties`,
      rule: 'unsupported-keyword',
      message: `${path}.additionalProperties must be true or false (a schema there is not supported)`,
    });
  const child = (value: unknown, at: string): void => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) walk(value as JsonSchema, at, problems);
  };
  if (s.properties && typeof s.properties === 'object')
    for (const [k, v] of Object.entries(s.properties)) child(v, `${path}.properties.${k}`);
  child(s.items, `${path}.items`);
  for (const c of ['anyOf', 'oneOf'] as const)
    if (Array.isArray(s[c])) s[c].forEach((v, i) => child(v, `${path}.${c}[${i}]`));
}

/** Leaf fields of an object schema, as dotted paths. */
export function leafFields(schema: JsonSchema, prefix = ''): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return child.properties ? leafFields(child, path) : [path];
  });
}

/** A form's `ui` must name fields the schema has, and label every field it has, in both languages. */
export function vetFormUi(schema: JsonSchema, ui: FormUi): ContractProblem[] {
  const problems: ContractProblem[] = [];
  ui.order.forEach((field, i) => {
    if (!hasPath(schema, field))
      problems.push({
        path: `ui.order[${i}]`,
        rule: 'ui-unknown-field',
        message: `ui.order names ${field}, which the schema lacks`,
      });
  });
  for (const field of Object.keys(ui.fields))
    if (!hasPath(schema, field))
      problems.push({
        path: `ui.fields.${field}`,
        rule: 'ui-unknown-field',
        message: `ui.fields names ${field}, which the schema lacks`,
      });
  for (const field of leafFields(schema)) {
    if (!ui.fields[field])
      problems.push({
        path: `ui.fields.${field}`,
        rule: 'ui-unlabelled-field',
        message: `${field} needs a label (en and zh-CN) in ui.fields`,
      });
    if (!ui.order.includes(field))
      problems.push({ path: 'ui.order', rule: 'ui-unordered-field', message: `ui.order must place ${field}` });
  }
  return problems;
}

const tag =
  (part: string) =>
  (c: BreakingChange): BreakingChange => ({ ...c, path: `${part}.${c.path}`, message: `${part}.${c.message}` });

/** What a new task type revision would break for partners coded against the previous one. */
export function taskTypeRevisionBreaks(
  previous: { readonly input: JsonSchema; readonly output: JsonSchema },
  next: { readonly input: JsonSchema; readonly output: JsonSchema },
): BreakingChange[] {
  return [
    ...breakingChanges(previous.input, next.input, 'to-partner').map(tag('input')),
    ...breakingChanges(previous.output, next.output, 'from-partner').map(tag('output')),
  ];
}

/**
 * What a new form revision would break. A form's data flows both ways: citizens' clients submit it
 * (a tighter rule refuses what they send) and partners receive its shared fields (a looser rule
 * sends them what they never saw). So only an optional field, or new wording, is compatible.
 */
export function formRevisionBreaks(previous: JsonSchema, next: JsonSchema): BreakingChange[] {
  const seen = new Set<string>();
  return [...breakingChanges(previous, next, 'from-partner'), ...breakingChanges(previous, next, 'to-partner')]
    .map(tag('schema'))
    .filter((c) => !seen.has(c.message) && seen.add(c.message) !== undefined);
}
