/** What a `citizenInput` step asks: the agency's prompt and the application fields it wants. */
export interface InputRequest {
  readonly stepId: string;
  readonly prompt: string;
  readonly fields: readonly string[];
}

interface StepLike {
  readonly id?: unknown;
  readonly parallel?: unknown;
  readonly citizenInput?: { readonly prompt?: unknown; readonly fields?: unknown };
}

/** The step `stepId` of a definition, wherever it is (inside a `parallel` group too), if it asks the citizen. */
export function inputRequestOf(definition: Record<string, unknown>, stepId: string): InputRequest | undefined {
  const search = (steps: unknown): InputRequest | undefined => {
    if (!Array.isArray(steps)) return undefined;
    for (const step of steps as StepLike[]) {
      if (step.id === stepId && step.citizenInput) {
        const { prompt, fields } = step.citizenInput;
        if (typeof prompt !== 'string' || !Array.isArray(fields)) return undefined;
        return { stepId, prompt, fields: fields.filter((f): f is string => typeof f === 'string') };
      }
      const inner = search(step.parallel);
      if (inner) return inner;
    }
    return undefined;
  };
  return search(definition.steps);
}

/** A step of a definition by id, wherever it is (inside a `parallel` group too). */
export function stepOf(definition: Record<string, unknown>, stepId: string): Record<string, unknown> | undefined {
  const search = (steps: unknown): Record<string, unknown> | undefined => {
    if (!Array.isArray(steps)) return undefined;
    for (const step of steps as Array<Record<string, unknown>>) {
      if (step.id === stepId) return step;
      const inner = search(step.parallel);
      if (inner) return inner;
    }
    return undefined;
  };
  return search(definition.steps);
}
