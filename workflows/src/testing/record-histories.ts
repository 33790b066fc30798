/**
 * Records the case scenarios' histories on a running Temporal server, with the workflow code
 * at a given path (the current build, or an older commit's build to pin what running cases did
 * before a `patched()` marker). The histories are committed under workflows/histories/<label>/.
 *
 *   npx tsx workflows/src/testing/record-histories.ts --label <name> [--workflows <file>] [--address host:port] [--only <scenario>]
 *
 * `--only` records one scenario: a new one whose messages older code never received, added to a
 * folder without recording its other histories again.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { DefaultLogger, Runtime } from '@temporalio/worker';

import { startCaseHarness } from './case-harness.js';
import { CASE_SCENARIOS } from './scenarios.js';

const { values } = parseArgs({
  options: {
    label: { type: 'string' },
    workflows: {
      type: 'string',
      default: fileURLToPath(new URL('../service-case.workflow.ts', import.meta.url)),
    },
    address: { type: 'string', default: 'localhost:17233' },
    source: { type: 'string', default: 'the current code' },
    only: { type: 'string' },
  },
});
if (!values.label || !/^[a-z0-9][a-z0-9.-]*$/.test(values.label))
  throw new Error('--label is required: lower-case letters, digits, dots and dashes');

Runtime.install({ logger: new DefaultLogger('ERROR') });
const folder = fileURLToPath(new URL(`../../histories/${values.label}/`, import.meta.url));
mkdirSync(folder, { recursive: true });
const scenarios = CASE_SCENARIOS.filter((s) => !values.only || s.name === values.only);
if (scenarios.length === 0) throw new Error(`--only ${values.only}: no such scenario`);
for (const scenario of scenarios) {
  const suffix = randomBytes(3).toString('hex');
  const h = await startCaseHarness({
    address: values.address,
    workflows: { path: values.workflows },
    suffix,
    ...scenario.harness,
  });
  try {
    const caseId = `${scenario.name}-${suffix}`;
    const handle = await scenario.run(h, caseId);
    const history = await h.history(handle);
    writeFileSync(
      `${folder}${scenario.name}.json`,
      `${JSON.stringify({ recordedWith: values.source, workflowId: caseId, history }, null, 1)}\n`,
    );
    process.stdout.write(`${values.label}/${scenario.name}.json\n`);
  } finally {
    await h.stop();
  }
}
