import { condition, defineSignal, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';

import type { PartnerStepActivities } from './partner-step.activities.js';

const { publishTask, awaitPartner } = proxyActivities<PartnerStepActivities>({ startToCloseTimeout: '1 minute' });

export const resultUpdate = defineUpdate<'accepted', [string]>('result');
export const resultSignal = defineSignal<[string]>('result');

/** Baseline: the dispatch alone, nobody waited for. */
export async function bareStep(taskId: string): Promise<string> {
  await publishTask(taskId);
  return 'done';
}

/** govmesh's choice: the case validates and accepts the result in an Update. */
export async function stepViaUpdate(taskId: string): Promise<string> {
  let result: string | undefined;
  setHandler(resultUpdate, (r) => ((result = r), 'accepted' as const), {
    validator: (r: string) => {
      if (!r) throw new Error('empty result');
    },
  });
  await publishTask(taskId);
  await condition(() => result !== undefined);
  return result!;
}

/** The alternative with signals: the bridge cannot learn whether the case accepted the result. */
export async function stepViaSignal(taskId: string): Promise<string> {
  let result: string | undefined;
  setHandler(resultSignal, (r) => void (result = r));
  await publishTask(taskId);
  await condition(() => result !== undefined);
  return result!;
}

/** The alternative with asynchronous activity completion from the bridge. */
export async function stepViaAsyncCompletion(taskId: string): Promise<string> {
  return await awaitPartner(taskId);
}
