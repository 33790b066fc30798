import { z } from 'zod';

import type { JsonSchema } from '../json-schema.js';

/**
 * The standards agencies publish at run time: task types (what a partner is given and must answer)
 * and application forms (what a citizen submits). Each accepted publish of `name@major` is a new,
 * immutable *revision*; partners and definitions code against the major.
 */

const Agency = z.string().regex(/^[a-z][a-z0-9-]*$/, 'an agency is a kebab-case name such as public-security');
const ContractName = z
  .string()
  .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'a contract name is kebab-case, e.g. background-check');
/** `name@major`, the way definitions and the wire name a task type or a form. */
export const ContractRef = z
  .string()
  .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*@[1-9]\d*$/, 'a contract is <kebab-case-name>@<major version>');

/** The major is replaced by `replacedBy` and served until `sunset` (inclusive). */
export const Deprecation = z
  .object({ replacedBy: ContractRef, sunset: z.iso.date('sunset is a date, YYYY-MM-DD') })
  .strict();
export type Deprecation = z.infer<typeof Deprecation>;

const SchemaObject = z.record(z.string(), z.unknown(), 'a JSON Schema (2020-12) object');

/** A file may say which contract it is (`govmesh contract publish -f`); the API checks it against the path. */
const Naming = {
  name: z.string().optional(),
  major: z.number().int().min(1).optional(),
};

export const TaskTypePublication = z
  .object({
    ...Naming,
    title: z.string().min(1).max(200),
    ownerAgency: Agency,
    /** What govmesh sends the partner (`task.assigned` `input`). */
    input: SchemaObject,
    /** What the partner must send back (`task.result` `output`). */
    output: SchemaObject,
    deprecation: Deprecation.optional(),
  })
  .strict();
export type TaskTypePublication = z.infer<typeof TaskTypePublication>;

const Text = z.string().min(1).max(1000);
/** A text in every language the platform serves. */
export const LocalizedText = z.object({ en: Text, 'zh-CN': Text }).strict();
export type LocalizedText = z.infer<typeof LocalizedText>;

/** How a form is shown: its fields (dotted paths) in order, each with a label and optional help text. */
export const FormUi = z
  .object({
    order: z.array(z.string().min(1)).min(1, 'order lists the form fields in the order they are asked'),
    fields: z.record(z.string(), z.object({ label: LocalizedText, help: LocalizedText.optional() }).strict()),
  })
  .strict();
export type FormUi = z.infer<typeof FormUi>;

export const FormPublication = z
  .object({
    ...Naming,
    title: z.string().min(1).max(200),
    ownerAgency: Agency,
    schema: SchemaObject,
    ui: FormUi,
    deprecation: Deprecation.optional(),
  })
  .strict();
export type FormPublication = z.infer<typeof FormPublication>;

/** What the registry keeps of one revision. */
interface RevisionCommon {
  readonly name: string;
  readonly major: number;
  /** From 1, per major. */
  readonly revision: number;
  readonly title: string;
  readonly ownerAgency: string;
  readonly deprecation?: Deprecation;
  readonly publishedAt: string;
  readonly publishedBy: string;
}
export interface TaskTypeRevision extends RevisionCommon {
  readonly input: JsonSchema;
  readonly output: JsonSchema;
}
export interface FormRevision extends RevisionCommon {
  readonly schema: JsonSchema;
  readonly ui: FormUi;
}
export type ContractKind = 'task-type' | 'form';

export { ContractName };

/** The exact revisions a service version uses, resolved when it is published. */
export interface ContractPins {
  readonly application: { readonly ref: string; readonly revision: number };
  readonly taskTypes: Readonly<Record<string, number>>;
}

/**
 * What a case carries from its start, so it validates against what it started with for ever:
 * the schemas of its pinned revisions (and each major's deprecation as of the start).
 */
export interface PinnedContracts {
  readonly application: { readonly ref: string; readonly revision: number; readonly schema: JsonSchema };
  readonly taskTypes: Readonly<
    Record<
      string,
      {
        readonly revision: number;
        readonly input: JsonSchema;
        readonly output: JsonSchema;
        readonly deprecation?: Deprecation;
      }
    >
  >;
}
