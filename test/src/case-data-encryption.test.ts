import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { SqlitePlatformStore } from '@govmesh/api';
import { CaseClient } from '@govmesh/case-client';
import type { ServiceDefinition } from '@govmesh/contracts/service-definition';
import { loadInfraConfig, temporalCliPath } from '@govmesh/infra';
import { DevelopmentIssuer } from '@govmesh/tokens';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { startCasesApi } from './cases-api.js';
import { engines } from './engines.js';
import { runScoped, startPlatform, untilStep, withDemoAgencyOffers, type TestPlatform } from './platform.js';

const run = promisify(execFile);

/** Every payload in a history the Temporal CLI printed as JSON: its encoding, and its data with base64 undone. */
function payloadsOf(output: string): Array<{ encoding: string; data: string }> {
  let history: unknown;
  try {
    history = JSON.parse(output);
  } catch {
    return [];
  }
  const found: Array<{ encoding: string; data: string }> = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const { metadata, data } = node as { metadata?: { encoding?: unknown }; data?: unknown };
    if (typeof metadata?.encoding === 'string' && typeof data === 'string')
      found.push({
        encoding: Buffer.from(metadata.encoding, 'base64').toString(),
        data: Buffer.from(data, 'base64').toString('latin1'),
      });
    Object.values(node).forEach(visit);
  };
  visit(history);
  return found;
}
const { suffix } = runScoped([]);
const application = {
  applicant: {
    name: 'Grace Hopper',
    dateOfBirth: '1906-12-09',
    nationalId: 'NID-COBOL-59',
    email: 'grace@example.org',
  },
  business: { name: 'Compiler Works', address: '59 Harbor Lane', activity: 'software' },
};
const definition: ServiceDefinition = {
  apiVersion: 'govmesh/v1',
  kind: 'Service',
  id: `sealed-${suffix}`,
  version: 1,
  title: 'A case whose data Temporal never sees in clear',
  ownerAgency: 'market-regulation',
  application: { schema: 'business-licence-application@1' },
  steps: [
    {
      id: 'decision',
      classification: { core: true, critical: true },
      officer: { role: 'licensing-officer', deadline: { hours: 1 } },
      share: [],
    },
  ],
};

/**
 * Case data is sealed before it reaches Temporal: the history the Temporal CLI fetches holds no
 * application field in clear; with the API's codec endpoint and an auditor's token it is readable.
 */
describe('case data in Temporal, sealed', () => {
  let platform: TestPlatform;
  let closeApi: (() => void) | undefined;
  let api: string;
  let tokens: DevelopmentIssuer;
  const caseId = `sealed-${suffix}-1`;
  /** `temporal workflow show` through the API's codec endpoint, with a bearer token. */
  const showThroughCodec = (token: string) =>
    temporalCli(
      'workflow',
      'show',
      '--workflow-id',
      caseId,
      '--output',
      'json',
      '--codec-endpoint',
      `${api}/v1/codec`,
      '--codec-auth',
      `Bearer ${token}`,
      // The CLI retries a refused decode until its deadline: no need to wait the default.
      '--command-timeout',
      '5s',
    ).then(
      (r) => ({ failed: false, text: r.stdout }),
      (e: { stdout: string; stderr: string }) => ({ failed: true, text: `${e.stdout}\n${e.stderr}` }),
    );
  const temporalCli = (...args: string[]) =>
    run(temporalCliPath(loadInfraConfig()), [...args, '--address', engines().temporalAddress], { maxBuffer: 1 << 24 });

  beforeAll(async () => {
    platform = await startPlatform([], suffix);
    tokens = await DevelopmentIssuer.ephemeral();
    const cases = await startCasesApi(
      platform,
      tokens,
      await withDemoAgencyOffers(new SqlitePlatformStore(':memory:')),
    );
    api = cases.url;
    closeApi = cases.close;
    await new CaseClient(platform.client, { taskQueue: platform.taskQueue }).start(caseId, definition, application);
    const handle = platform.client.workflow.getHandle(caseId);
    await untilStep(handle, 'decision', 'awaiting-officer');
    // The state query may be answered while the workflow task that reached the wait still runs its
    // local activities (the events it publishes): the history holds all the case recorded only once
    // no workflow task is pending.
    for (const deadline = Date.now() + 20_000; (await handle.describe()).raw.pendingWorkflowTask;) {
      if (Date.now() > deadline) throw new Error('the case kept a workflow task pending for 20 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 60_000);

  afterAll(async () => {
    await platform?.client.workflow
      .getHandle(caseId)
      .terminate('end of the test')
      .catch(() => undefined);
    closeApi?.();
    await platform?.stop();
  });

  it.runIf(inject('infra').temporal.mode === 'embedded')(
    'shows no application field in the history the Temporal CLI fetches; the codec endpoint opens it for an auditor only',
    async () => {
      const sealed = (await temporalCli('workflow', 'show', '--workflow-id', caseId, '--output', 'json')).stdout;
      // The case's input and every payload of its own are ciphertext; what stays readable is the
      // SDK's bookkeeping (patch markers, search attributes, empty trace headers). No field of the
      // application is there in clear, not even once base64 is undone.
      const history = JSON.parse(sealed) as {
        events: Array<{ workflowExecutionStartedEventAttributes?: { input: unknown } }>;
      };
      const input = payloadsOf(JSON.stringify(history.events[0]!.workflowExecutionStartedEventAttributes!.input));
      expect(input.map((p) => p.encoding)).toEqual(['binary/encrypted']);
      const payloads = payloadsOf(sealed);
      expect(payloads.filter((p) => p.encoding === 'binary/encrypted').length).toBeGreaterThan(2);
      const readable = `${sealed}\n${payloads.map((p) => p.data).join('\n')}`;
      for (const value of ['Grace Hopper', 'NID-COBOL-59', '59 Harbor Lane', 'grace@example.org'])
        expect(readable).not.toContain(value);

      const auditor = await tokens.mint({ role: 'auditor', subject: 'auditor-ada' });
      const opened = await showThroughCodec(auditor);
      expect(opened.failed).toBe(false);
      expect(payloadsOf(opened.text).map((p) => p.encoding)).not.toContain('binary/encrypted');
      expect(
        payloadsOf(opened.text)
          .map((p) => p.data)
          .join('\n'),
      ).toContain('"name":"Grace Hopper"');

      // The API refuses a citizen (403), so the CLI cannot show the history at all.
      const refused = await showThroughCodec(await tokens.mint({ role: 'citizen', subject: 'citizen-grace' }));
      expect(refused.failed).toBe(true);
      expect(refused.text).not.toContain('Grace Hopper');
    },
  );

  it('answers the case state to a client with the keys (queries are sealed too)', async () => {
    const state = await new CaseClient(platform.client, { taskQueue: platform.taskQueue }).state(caseId);
    expect(state?.steps.decision).toMatchObject({ status: 'awaiting-officer', role: 'licensing-officer' });
  });
});
