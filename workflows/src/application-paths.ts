import type { Step } from '@govmesh/contracts/service-definition';

/** Reading and writing an application by dotted path (`income.monthlyNet`); pure, for workflow code. */

export function get(source: Record<string, unknown>, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined),
      source,
    );
}

export function assign(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (!node[key] || typeof node[key] !== 'object') node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}

/** Plain JSON data only crosses into a case, so a JSON round trip is a faithful copy. */
export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Data minimization: a copy of the application holding only the `share` paths. */
export function pick(source: Record<string, unknown>, paths: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const path of paths) {
    const value = get(source, path);
    if (value !== undefined) assign(out, path, clone(value));
  }
  return out;
}

/** Every step that does work, parallel groups opened. */
export function workSteps(steps: readonly Step[]): Step[] {
  return steps
    .flatMap((s) => ('parallel' in s ? [s, ...workSteps(s.parallel)] : [s]))
    .filter((s) => !('parallel' in s));
}
