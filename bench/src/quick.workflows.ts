import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '1 minute' });

/** The Temporal floor: N sequential no-op activities. */
export async function bareSteps(n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) await noop();
}

export const wake = defineSignal('wake');

/** The wake-up floor: a workflow that waits for one signal. */
export async function awaitSignal(): Promise<void> {
  let woken = false;
  setHandler(wake, () => void (woken = true));
  await condition(() => woken);
}
