import type { JsonSchema } from '../json-schema.js';

/**
 * A form marks the fields that hold personal data with this annotation on the field's schema;
 * logs redact those fields by it (and a field's whole subtree when an object is marked).
 */
export const CLASSIFICATION_KEYWORD = 'x-govmesh-classification';

/** `personal`: identifies a person (name, e-mail, date of birth); `sensitive`: more harmful if leaked (national id, health, income). */
export const DATA_CLASSIFICATIONS = ['personal', 'sensitive'] as const;
export type DataClassification = (typeof DATA_CLASSIFICATIONS)[number];

export interface ClassifiedField {
  /** Dotted path from the schema's root: `applicant.nationalId`. */
  readonly path: string;
  readonly classification: DataClassification;
}

const isClassification = (v: unknown): v is DataClassification =>
  (DATA_CLASSIFICATIONS as readonly unknown[]).includes(v);

/** Every field of an object schema marked personal or sensitive, by dotted path (marked objects as a whole). */
export function classifiedFields(schema: JsonSchema, prefix = ''): ClassifiedField[] {
  return Object.entries(schema.properties ?? {}).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    const marked = child[CLASSIFICATION_KEYWORD];
    if (isClassification(marked)) return [{ path, classification: marked }];
    return child.properties ? classifiedFields(child, path) : [];
  });
}
