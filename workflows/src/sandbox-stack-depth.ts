/**
 * How many frames the workflow sandbox keeps of each stack it captures. Temporal's TypeScript SDK
 * captures a stack for every promise a workflow creates (for its stack-trace query), and that was a
 * third of the case workflow thread's time at 3 x 32 (bench/RESULTS.md; sdk-typescript issue
 * #1587). Four frames still name where a case waits (the SDK's wait, our step code, its caller) and
 * where an error was thrown; the capture costs about half of what V8's default ten cost.
 *
 * Set here because this module is preloaded once per worker thread (bundling.ts), before the
 * sandbox freezes its globals: workflow code itself can no longer change it.
 */
const WORKFLOW_STACK_FRAMES = 4;
Error.stackTraceLimit = WORKFLOW_STACK_FRAMES;
export {};
