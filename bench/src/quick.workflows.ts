import { submitTaskResult } from '@govmesh/workflows/case-api';
import {
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '1 minute' });
const local = proxyLocalActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '1 minute' });

/** The Temporal floor: N sequential no-op activities. */
export async function bareSteps(n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) await noop();
}

export const wake = defineSignal('wake');
/** True once the workflow is waiting: the bench starts its clock only then. */
export const waiting = defineQuery<boolean>('waiting');

/** The wake-up floor: a workflow that waits for one signal. */
export async function awaitSignal(): Promise<void> {
  let woken = false;
  setHandler(wake, () => void (woken = true));
  setHandler(waiting, () => !woken);
  await condition(() => woken);
}

/** The same kind of wait, woken the way a case is: the bridge's `submitTaskResult` Update. */
export async function awaitPartnerResult(): Promise<void> {
  let woken = false;
  setHandler(submitTaskResult, () => ((woken = true), 'accepted' as const));
  setHandler(waiting, () => !woken);
  await condition(() => woken);
}

/** Ends step `n` of an `updateSteps` workflow, as a partner's result (through the bridge) ends a case's step. */
export const stepDone = defineUpdate<void, [number, unknown?]>('stepDone');

/**
 * The shape of a govmesh partner step without Kafka and without govmesh's code: each of `n` steps
 * is ended by an Update from outside. `shape` adds what a case's step also does: `timer`, a
 * deadline started and cancelled per step (a condition with a timeout); `dispatch`, a local
 * activity before the wait too (the case's dispatch). `_input` and a step's second argument carry
 * what a case's start and a partner's result carry, when the bench measures what their size costs.
 */
export async function updateSteps(n: number, shape: 'update' | 'timer' | 'dispatch', _input?: unknown): Promise<void> {
  let done = 0;
  setHandler(stepDone, (step) => {
    if (step === done) done += 1;
  });
  for (let i = 0; i < n; i += 1) {
    if (shape === 'dispatch') await local.noop();
    if (shape === 'update') await condition(() => done > i);
    else await condition(() => done > i, '1 hour');
  }
}
