import { submitTaskResult } from '@govmesh/workflows/case-api';
import { condition, defineQuery, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '1 minute' });

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
