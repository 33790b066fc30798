import localizeZhModule from 'ajv-i18n/localize/zh/index.js';

import type { ProblemIssue } from './api-client.js';
import { translate, type Locale } from './locale.js';

// ajv-i18n is CommonJS whose types declare a default export; under Node's ESM the default import
// is the function itself.
const localizeZh = localizeZhModule as unknown as (errors: Array<{ message?: string }>) => void;

/**
 * The API's words for a value its schema refuses ("must be integer"), in the page's language: for
 * Chinese, ajv-i18n words the rule from its keyword and parameters; otherwise, and for a problem
 * that names no rule, the API's own words.
 */
function problemText(locale: Locale, problem: ProblemIssue): string {
  if (locale !== 'zh-CN' || !problem.rule) return problem.message;
  const error = {
    keyword: problem.rule,
    params: { ...problem.params },
    message: problem.message,
    instancePath: '',
    schemaPath: '',
  };
  localizeZh([error]);
  return error.message || problem.message;
}

/** The part of JSON Schema a form is drawn from (the API has checked the whole schema at publish). */
export interface FormSchema {
  readonly title?: string;
  readonly items?: FormSchema;
  readonly type?: string | readonly string[];
  readonly format?: string;
  readonly enum?: readonly unknown[];
  readonly properties?: Record<string, FormSchema>;
  readonly required?: readonly string[];
}

type Localized = Record<Locale, string>;

/** A published form revision, as `GET /v1/forms/{name}/{major}/revisions/{n}` answers it. */
export interface PublishedForm {
  readonly title: string;
  readonly schema: FormSchema;
  readonly ui: {
    readonly order: readonly string[];
    readonly fields: Record<string, { readonly label: Localized; readonly help?: Localized }>;
  };
}

/** `list`: an array of texts, one per line (a partner's findings, say). */
export type FieldKind = 'text' | 'email' | 'date' | 'integer' | 'number' | 'boolean' | 'choice' | 'list';

export interface FormField {
  /** The dotted path into the application, which is also the input's name. */
  readonly name: string;
  /** An HTML id: the path with its dots as dashes (an error summary links to it). */
  readonly id: string;
  readonly label: string;
  readonly help?: string;
  readonly required: boolean;
  readonly kind: FieldKind;
  readonly choices?: readonly string[];
  /** What the person typed (kept through every error). */
  readonly value: string;
  readonly error?: string;
}

/** A problem the API named, as the page shows it: next to its field, and in the summary. */
export interface FieldError {
  readonly field?: string;
  readonly href: string;
  readonly text: string;
}

function typeOf(schema: FormSchema): string | undefined {
  const type: string | readonly string[] | undefined = schema.type;
  return typeof type === 'string' ? type : type?.find((t) => t !== 'null');
}

function kindOf(schema: FormSchema): FieldKind {
  if (schema.enum?.length) return 'choice';
  const type = typeOf(schema);
  if (type === 'integer') return 'integer';
  if (type === 'number') return 'number';
  if (type === 'boolean') return 'boolean';
  if (type === 'array' && typeOf(schema.items ?? {}) === 'string') return 'list';
  if (schema.format === 'email') return 'email';
  if (schema.format === 'date') return 'date';
  return 'text';
}

/** The schema of the field at `path`, and whether it (and every object around it) must be given. */
function leafAt(schema: FormSchema, path: string): { schema: FormSchema; required: boolean } | undefined {
  let node: FormSchema | undefined = schema;
  let required = true;
  for (const key of path.split('.')) {
    const child: FormSchema | undefined = node?.properties?.[key];
    if (!child) return undefined;
    required &&= node?.required?.includes(key) ?? false;
    node = child;
  }
  return node ? { schema: node, required } : undefined;
}

export const fieldId = (name: string): string => `f-${name.replace(/[^A-Za-z0-9]+/g, '-')}`;

/** The fields in the order the form asks them, labelled in `locale`, with values and errors. */
export function formFields(
  form: PublishedForm,
  locale: Locale,
  values: Readonly<Record<string, string>> = {},
  errors: readonly FieldError[] = [],
): FormField[] {
  const names = [...form.ui.order, ...Object.keys(form.ui.fields).filter((f) => !form.ui.order.includes(f))];
  return names.flatMap((name) => {
    const leaf = leafAt(form.schema, name);
    if (!leaf) return [];
    const ui = form.ui.fields[name];
    const kind = kindOf(leaf.schema);
    const error = errors.find((e) => e.field === name)?.text;
    return [
      {
        name,
        id: fieldId(name),
        label: ui?.label[locale] ?? name,
        ...(ui?.help ? { help: ui.help[locale] } : {}),
        required: leaf.required,
        kind,
        ...(kind === 'choice' ? { choices: leaf.schema.enum!.map(String) } : {}),
        value: values[name] ?? '',
        ...(error ? { error } : {}),
      },
    ];
  });
}

/**
 * The application a person's answers make, by the schema's types. Nothing is checked here: the
 * API checks it against the form, with one set of rules, and its problems come back by field. A
 * number that does not read as one stays text, so the API names the field rather than the page
 * guessing.
 */
export function applicationFrom(
  form: PublishedForm,
  posted: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const application: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(answersFrom(form, posted))) setPath(application, name, value);
  return application;
}

/**
 * The answers to some of the form's fields (`only`; all by default), by field path, typed as
 * `applicationFrom` types them: what a request for more input sends (`values`).
 */
export function answersFrom(
  form: PublishedForm,
  posted: Readonly<Record<string, unknown>>,
  only?: readonly string[],
): Record<string, unknown> {
  const answers: Record<string, unknown> = {};
  for (const field of formFields(form, 'en')) {
    if (only && !only.includes(field.name)) continue;
    const raw = posted[field.name];
    const text = typeof raw === 'string' ? raw.trim() : '';
    if (field.kind === 'boolean') {
      if (text === 'true' || field.required) answers[field.name] = text === 'true';
      continue;
    }
    if (field.kind === 'list') {
      const items = text
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter(Boolean);
      if (items.length || field.required) answers[field.name] = items;
      continue;
    }
    if (text === '') continue;
    let value: unknown = text;
    if (field.kind === 'integer' && /^-?\d+$/.test(text)) value = Number(text);
    if (field.kind === 'number' && /^-?\d+(\.\d+)?$/.test(text)) value = Number(text);
    answers[field.name] = value;
  }
  return answers;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[keys.at(-1)!] = value;
}

/** What the person typed, by field name, to show again. */
export function typedValues(form: PublishedForm, posted: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(
    formFields(form, 'en').map((f) => [f.name, typeof posted[f.name] === 'string' ? (posted[f.name] as string) : '']),
  );
}

/**
 * The API's problems (`body.application.applicant.name: is required`, or `body.values.…` for a
 * request for more input) as the page's errors, in form order.
 */
export function fieldErrors(
  form: PublishedForm,
  locale: Locale,
  problems: readonly ProblemIssue[],
  prefix = 'body.application',
): FieldError[] {
  const fields = formFields(form, locale);
  const errors: FieldError[] = [];
  for (const problem of problems) {
    const path = problem.path.startsWith(prefix) ? problem.path.slice(prefix.length).replace(/^\./, '') : problem.path;
    const field = fields.find((f) => f.name === path);
    if (!field) {
      errors.push({
        href: '#main-content',
        text: translate(locale, 'errors.notAField', { path: path || problem.path }),
      });
      continue;
    }
    if (errors.some((e) => e.field === field.name)) continue;
    errors.push({
      field: field.name,
      href: `#${field.id}`,
      text:
        problem.message === 'is required'
          ? translate(locale, 'errors.required', { field: field.label })
          : translate(locale, 'errors.invalid', { field: field.label, message: problemText(locale, problem) }),
    });
  }
  const order = (e: FieldError) => (e.field ? fields.findIndex((f) => f.name === e.field) : fields.length);
  return errors.sort((a, b) => order(a) - order(b));
}

/**
 * A form for a contract that has no labels of its own (a task type's output, which an officer
 * records when doing a partner's work in-house): its fields in schema order, each labelled with
 * its `title` or its name.
 */
export function contractForm(title: string, schema: FormSchema): PublishedForm {
  const fields: Record<string, { label: Record<Locale, string> }> = {};
  const walk = (node: FormSchema, prefix: string) => {
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const name = prefix ? `${prefix}.${key}` : key;
      if (typeOf(child) === 'object' && child.properties) walk(child, name);
      else {
        const label = child.title ?? key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
        fields[name] = { label: { en: label, 'zh-CN': label } };
      }
    }
  };
  walk(schema, '');
  return { title, schema, ui: { order: Object.keys(fields), fields } };
}
