import type { JsonSchema } from '../json-schema.js';
import type { Deprecation } from './publications.js';
import { seedForms, seedTaskTypes } from './seed.js';

/** The latest revision of each major, as a definition is checked against it. */
export interface ContractLookup {
  taskType(
    ref: string,
  ): { readonly input: JsonSchema; readonly output: JsonSchema; readonly deprecation?: Deprecation } | undefined;
  form(ref: string): { readonly schema: JsonSchema; readonly deprecation?: Deprecation } | undefined;
  taskTypeRefs(): string[];
  formRefs(): string[];
}

type Named = { readonly name: string; readonly major: number };

/** A lookup over lists of the latest revisions (from the registry, or the seed). */
export function contractLookup(
  taskTypes: ReadonlyArray<Named & { input: JsonSchema; output: JsonSchema; deprecation?: Deprecation }>,
  forms: ReadonlyArray<Named & { schema: JsonSchema; deprecation?: Deprecation }>,
): ContractLookup {
  const byRef = <T extends Named>(list: readonly T[]) => new Map(list.map((c) => [`${c.name}@${c.major}`, c]));
  const t = byRef(taskTypes);
  const f = byRef(forms);
  return {
    taskType: (ref) => t.get(ref),
    form: (ref) => f.get(ref),
    taskTypeRefs: () => [...t.keys()].sort(),
    formRefs: () => [...f.keys()].sort(),
  };
}

let seed: ContractLookup | undefined;
/** The seed catalogue, for checking a definition offline (the CLI) before the registry has it. */
export function seedContracts(): ContractLookup {
  return (seed ??= contractLookup(seedTaskTypes(), seedForms()));
}

/** `past-sunset` on the day after its sunset, `deprecated` inside its window. */
export function deprecationStatus(
  deprecation: Deprecation | undefined,
  today: string,
): 'current' | 'deprecated' | 'past-sunset' {
  if (!deprecation) return 'current';
  return today > deprecation.sunset ? 'past-sunset' : 'deprecated';
}
