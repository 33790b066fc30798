import { z } from 'zod';

/** A task type with its contract's major version, as it appears on the wire: `background-check@1`. */
export const TaskTypeRef = z
  .string()
  .regex(
    /^[a-z][a-z0-9]*(-[a-z0-9]+)*@[1-9]\d*$/,
    'a task type is <kebab-case-name>@<major version>, e.g. background-check@1',
  );
export type TaskTypeRef = z.infer<typeof TaskTypeRef>;

export function parseTaskTypeRef(ref: TaskTypeRef): { name: string; major: number } {
  const at = ref.lastIndexOf('@');
  return { name: ref.slice(0, at), major: Number(ref.slice(at + 1)) };
}

export function taskTypeRef(name: string, major: number): TaskTypeRef {
  return TaskTypeRef.parse(`${name}@${major}`);
}
