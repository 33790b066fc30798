import type { z } from 'zod';

import { breakingChanges, type BreakingChange } from '../compatibility.js';
import { toJsonSchema } from '../json-schema.js';
import { taskTypeRef, type TaskTypeRef } from '../task-type-ref.js';

/**
 * One version of a task type's contract. Partners code against `name@major`; a revision
 * within a major may only change what no partner of that major would notice.
 */
export interface TaskContract {
  readonly name: string;
  readonly major: number;
  /** Counts compatible revisions within the major, from 0. */
  readonly revision: number;
  readonly title: string;
  /** What govmesh sends the partner (`task.assigned` `input`). */
  readonly input: z.ZodObject;
  /** What the partner must send back (`task.result` `output`). */
  readonly output: z.ZodObject;
  /** Set when a newer major replaces this one; it stays served until `sunset` (a date). */
  readonly deprecation?: { readonly replacedBy: TaskTypeRef; readonly sunset: string };
}

/** A revision that would break partners of its major; carries every breaking change. */
export class IncompatibleRevision extends Error {
  readonly code = 'CONTRACT.INCOMPATIBLE_REVISION';
  constructor(
    readonly ref: TaskTypeRef,
    readonly revision: number,
    readonly changes: readonly BreakingChange[],
  ) {
    super(
      `${ref} revision ${revision} would break partners coded against revision ${revision - 1}; publish it as a new major version instead:\n` +
        changes.map((c) => `  - ${c.message} [${c.rule}]`).join('\n'),
    );
    this.name = 'IncompatibleRevision';
  }
}

/** Whether `next` can replace `previous` for partners already coded against `previous`. */
export function revisionBreaks(previous: TaskContract, next: TaskContract): BreakingChange[] {
  const tag =
    (part: 'input' | 'output') =>
    (c: BreakingChange): BreakingChange => ({ ...c, path: `${part}.${c.path}`, message: `${part}.${c.message}` });
  return [
    ...breakingChanges(toJsonSchema(previous.input), toJsonSchema(next.input), 'to-partner').map(tag('input')),
    ...breakingChanges(toJsonSchema(previous.output), toJsonSchema(next.output), 'from-partner').map(tag('output')),
  ];
}

/** The task types govmesh serves, by `name@major`, each at its newest compatible revision. */
export class TaskTypeRegistry {
  private readonly contracts = new Map<TaskTypeRef, TaskContract>();

  /** Adds a contract; a later revision of a served major must be compatible with the one it replaces. */
  register(contract: TaskContract): this {
    const ref = taskTypeRef(contract.name, contract.major);
    const current = this.contracts.get(ref);
    if (current) {
      if (contract.revision !== current.revision + 1) {
        throw new Error(`${ref}: revision ${contract.revision} does not follow revision ${current.revision}`);
      }
      const changes = revisionBreaks(current, contract);
      if (changes.length > 0) throw new IncompatibleRevision(ref, contract.revision, changes);
    }
    this.contracts.set(ref, contract);
    return this;
  }

  get(ref: string): TaskContract | undefined {
    return this.contracts.get(ref);
  }

  refs(): TaskTypeRef[] {
    return [...this.contracts.keys()].sort();
  }

  /** Served at `on` (YYYY-MM-DD): not deprecated, or still inside its deprecation window. */
  isServed(ref: string, on: string): boolean {
    const contract = this.contracts.get(ref);
    return contract !== undefined && (!contract.deprecation || on <= contract.deprecation.sunset);
  }
}
