/**
 * A read model's state as lines, for its snapshot (read-model-snapshot.ts): each line an array whose
 * first item says what it holds. A tally writes its lines and takes them back in the same order;
 * taking one back checks its shape, so a damaged file is refused, never half believed.
 */
export type SnapshotLine = readonly unknown[];

export class SnapshotDamaged extends Error {
  override readonly name = 'SnapshotDamaged';
  readonly code = 'AUDIT.SNAPSHOT_DAMAGED';
  readonly retriable = false;
}

export function text(value: unknown): string {
  if (typeof value !== 'string') throw new SnapshotDamaged(`expected a string, found ${JSON.stringify(value)}`);
  return value;
}

export function num(value: unknown): number {
  if (typeof value !== 'number') throw new SnapshotDamaged(`expected a number, found ${JSON.stringify(value)}`);
  return value;
}

export function list(value: unknown): readonly unknown[] {
  if (!Array.isArray(value)) throw new SnapshotDamaged(`expected a list, found ${JSON.stringify(value)}`);
  return value;
}

export function bytes(value: unknown): Buffer {
  return Buffer.from(text(value), 'base64');
}

/** The item a line refers to by its place in an earlier list (a tally, a service). */
export function nth<T>(items: readonly T[], index: unknown): T {
  const item = items[num(index)];
  if (item === undefined) throw new SnapshotDamaged(`no item ${String(index)} of ${items.length}`);
  return item;
}
