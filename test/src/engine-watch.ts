import { beforeEach, inject } from 'vitest';

import { assertEngineAnswers } from './engines.js';

/** Before each end-to-end test: both engines still answer, or the test fails naming the one that died. */
beforeEach(async () => {
  const infra = inject('infra');
  await Promise.all([assertEngineAnswers(infra.kafka), assertEngineAnswers(infra.temporal)]);
});
