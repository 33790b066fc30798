/** The operators of the JSON Logic specification (jsonlogic.com/operations.html). */
export const JSON_LOGIC_OPERATORS: ReadonlySet<string> = new Set([
  'var',
  'missing',
  'missing_some',
  'if',
  '?:',
  '==',
  '===',
  '!=',
  '!==',
  '!',
  '!!',
  'or',
  'and',
  '>',
  '>=',
  '<',
  '<=',
  'max',
  'min',
  '+',
  '-',
  '*',
  '/',
  '%',
  'map',
  'filter',
  'reduce',
  'all',
  'none',
  'some',
  'merge',
  'in',
  'cat',
  'substr',
]);

export interface JsonLogicScan {
  /** Every statically named `var` path, e.g. `steps.decision.output.decision`. */
  readonly vars: string[];
  readonly unknownOperators: string[];
}

/** Lists the variables a rule reads and any operator that is not JSON Logic. */
export function scanJsonLogic(rule: unknown): JsonLogicScan {
  const vars: string[] = [];
  const unknownOperators: string[] = [];
  const visit = (node: unknown, scoped: boolean): void => {
    if (Array.isArray(node)) {
      node.forEach((n) => visit(n, scoped));
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const entries: Array<[string, unknown]> = Object.entries(node as Record<string, unknown>);
    if (entries.length !== 1) {
      unknownOperators.push(`an object with ${entries.length} keys`);
      return;
    }
    const [op, args] = entries[0]!;
    if (!JSON_LOGIC_OPERATORS.has(op)) unknownOperators.push(op);
    if (op === 'var') {
      const path: unknown = Array.isArray(args) ? (args as unknown[])[0] : args;
      // Inside map/filter/reduce/all/none/some, `var` reads the current item, not the case.
      if (typeof path === 'string' && path !== '' && !scoped) vars.push(path);
      else if (typeof path === 'object') visit(path, scoped);
      return;
    }
    if (['map', 'filter', 'reduce', 'all', 'none', 'some'].includes(op) && Array.isArray(args)) {
      const [collection, ...body] = args as unknown[];
      visit(collection, scoped);
      body.forEach((a) => visit(a, true));
      return;
    }
    visit(args, scoped);
  };
  visit(rule, false);
  return { vars, unknownOperators };
}
