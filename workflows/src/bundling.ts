/**
 * How a worker bundles the case workflows. Temporal's reusable sandbox evaluates a workflow's
 * modules once per case; a module named here is evaluated once per worker thread instead and
 * shared by every case it runs (and frozen). Only pure modules belong here: the schema validator
 * keeps ajv and the validators it compiled, one per schema text, so a case no longer builds an ajv
 * and compiles its task type's output schema before it can check a partner's result (about a tenth
 * of the workflow thread's time at 3 x 32, bench/RESULTS.md). What a validator answers depends on
 * the schema and the value alone, so sharing it changes no case's commands. The stack depth module
 * sets how many frames the sandbox captures of each stack (sandbox-stack-depth.ts).
 */
export const SHARED_WORKFLOW_MODULES: readonly string[] = [
  '@govmesh/workflows/sandbox-stack-depth',
  '@govmesh/contracts/schema-validator',
];
