import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { serveRegistry, type RegistryService } from '@govmesh/agency-sdk';
import { SqlitePlatformStore } from '@govmesh/api';
import { DOMAIN_EVENTS } from '@govmesh/contracts/domain-events';
import type { ServiceDefinition } from '@govmesh/contracts/service-definition';
import { untilReady } from '@govmesh/messaging';
import { DevelopmentIssuer } from '@govmesh/tokens';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startCasesApi } from './cases-api.js';
import { caseKeysEnv, engines } from './engines.js';
import { caseEvents, runScoped, startPlatform, untilStep, type TestPlatform } from './platform.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { suffix } = runScoped([]);
const agency = `records-office-${suffix}`;
const provider = `civil-registry-${suffix}`;
const LICENCE_CHECK = 'Confirm the applicant is resident before licensing them';
const application = {
  applicant: {
    name: 'Katherine Johnson',
    dateOfBirth: '1918-08-26',
    nationalId: 'NID-NACA-53',
    email: 'kj@example.org',
  },
  business: { name: 'Orbital Sums', address: '1 Langley Way', activity: 'consulting' },
};
const definition = (activity: string): ServiceDefinition => ({
  apiVersion: 'govmesh/v1',
  kind: 'Service',
  id: `records-${suffix}`,
  version: 1,
  title: 'A licence whose records check is the records office’s own system',
  ownerAgency: 'market-regulation',
  application: { schema: 'business-licence-application@1' },
  steps: [
    {
      id: 'check-records',
      classification: { core: true, critical: true },
      // Taken up within 3 s by one of the agency's workers, or an officer does it.
      run: { agency, activity, pickupWithin: { seconds: 3 }, fallback: { role: 'records-officer' } },
      share: [],
    },
    {
      id: 'decision',
      classification: { core: true, critical: true },
      officer: { role: 'licensing-officer', deadline: { hours: 1 } },
      share: [],
    },
  ],
});

/**
 * An agency runs its own systems with `@govmesh/agency-sdk`, in a process of its own
 * (fixtures/records-office.agency.ts): it announces what it offers through the API, a
 * definition naming anything else is refused at publish, a case's in-house step runs in that
 * process, and once the agency's worker is stopped a step escalates within its pickup limit.
 */
describe('an agency running its own systems through the agency SDK', () => {
  let platform: TestPlatform;
  let closeApi: (() => void) | undefined;
  let api: string;
  let tokens: DevelopmentIssuer;
  let agencyProcess: ChildProcess;
  let population: RegistryService;
  const as = async (role: 'agency-admin' | 'auditor' | 'citizen', subject: string, agencyName?: string) =>
    `Bearer ${await tokens.mint({ role, subject, ...(agencyName ? { agency: agencyName } : {}) })}`;
  const call = async (auth: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${api}${path}`, {
      method,
      headers: { authorization: auth, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const submit = async () => {
    const { status, body } = await call(await as('citizen', 'citizen-kj'), 'POST', '/v1/cases', {
      serviceId: `records-${suffix}`,
      application,
    });
    expect(status, JSON.stringify(body)).toBe(202);
    return platform.client.workflow.getHandle(String(body.caseId));
  };

  beforeAll(async () => {
    platform = await startPlatform([], suffix);
    tokens = await DevelopmentIssuer.ephemeral();
    // Another agency's registry, as its own service: it shares the applicant's status with the
    // records office for a licence check, and nothing for marketing.
    population = serveRegistry({
      agency: provider,
      registry: 'population-register',
      policy: { [agency]: { purposes: [LICENCE_CHECK], fields: ['status'] } },
      find: (key) =>
        Promise.resolve(key === application.applicant.nationalId ? { status: 'resident', address: 'x' } : undefined),
      tokens: tokens.verifier(),
      logger: pino({ level: 'silent' }),
    });
    await population.start();
    const cases = await startCasesApi(platform, tokens, new SqlitePlatformStore(':memory:'));
    api = cases.url;
    closeApi = cases.close;
    agencyProcess = spawn(process.execPath, ['--import', 'tsx', 'test/src/fixtures/records-office.agency.ts'], {
      cwd: root,
      env: {
        ...process.env,
        ...caseKeysEnv(),
        AGENCY: agency,
        API_URL: api,
        AGENCY_TOKEN: (await as('agency-admin', `${agency}-systems`, agency)).slice('Bearer '.length),
        TEMPORAL_ADDRESS: engines().temporalAddress,
        REGISTRY_URLS: JSON.stringify({ [`${provider}/population-register`]: population.url }),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await untilReady(agencyProcess, 'the records office', 'the test output above');
  }, 120_000);

  afterAll(async () => {
    if (agencyProcess?.exitCode === null) agencyProcess.kill('SIGKILL');
    closeApi?.();
    await population?.stop();
    await platform?.stop();
  });

  it('announces what it offers; a definition naming anything else is refused at publish', async () => {
    const offers = await call(await as('auditor', 'auditor-1'), 'GET', '/v1/agencies');
    expect(offers.body).toContainEqual(
      expect.objectContaining({
        agency,
        announcedBy: `${agency}-systems`,
        activities: [expect.objectContaining({ name: 'checkRecords' })],
      }),
    );
    const admin = await as('agency-admin', 'admin-mr', 'market-regulation');
    const typo = await call(admin, 'PUT', `/v1/services/records-${suffix}`, definition('checkRecordz'));
    expect(typo.status).toBe(422);
    expect(typo.body.errors).toEqual([
      {
        path: 'body.steps.check-records',
        message: `step check-records: run names ${agency}'s activity checkRecordz, which its workers do not offer (they offer checkRecords) [unknown-agency-activity]`,
      },
    ]);
    expect((await call(admin, 'PUT', `/v1/services/records-${suffix}`, definition('checkRecords'))).status).toBe(201);
  });

  it("runs the case's in-house step in the agency's own process", async () => {
    const handle = await submit();
    const state = await untilStep(handle, 'decision', 'awaiting-officer');
    expect(state.steps['check-records']).toMatchObject({
      status: 'completed',
      mode: 'in-house',
      output: { clear: true, checkedBy: agencyProcess.pid },
    });
    expect(agencyProcess.pid).not.toBe(process.pid);
    await handle.terminate('end of the test');
  });

  it("reads another agency's registry over the network as itself: the provider allows one purpose and refuses another, and both logs hold the same request hash", async () => {
    const admin = await as('agency-admin', `admin-${agency}`, agency);
    const lookingUp = (id: string, purpose: string): ServiceDefinition => ({
      apiVersion: 'govmesh/v1',
      kind: 'Service',
      id,
      version: 1,
      title: 'A licence that reads the population register',
      ownerAgency: agency,
      application: { schema: 'business-licence-application@1' },
      steps: [
        {
          id: 'residence',
          lookup: {
            agency: provider,
            registry: 'population-register',
            purpose,
            key: 'applicant.nationalId',
            fields: ['status'],
          },
        },
      ],
    });
    const run = async (id: string, purpose: string) => {
      const published = await call(admin, 'PUT', `/v1/services/${id}`, lookingUp(id, purpose));
      expect(published.status, JSON.stringify(published.body)).toBe(201);
      const { status, body } = await call(await as('citizen', 'citizen-kj'), 'POST', '/v1/cases', {
        serviceId: id,
        application,
      });
      expect(status, JSON.stringify(body)).toBe(202);
      const handle = platform.client.workflow.getHandle(String(body.caseId));
      return { handle, outcome: (await handle.result()) as unknown };
    };
    const allowed = await run(`residence-${suffix}`, LICENCE_CHECK);
    expect(allowed.outcome).toMatchObject({ status: 'completed' });
    const performed = (
      await caseEvents(platform.kafka, allowed.handle.workflowId, DOMAIN_EVENTS.caseCompleted.type)
    ).find((e) => e.type === DOMAIN_EVENTS.lookupPerformed.type)!;
    expect(performed.data).toMatchObject({ found: true, fields: ['status'] });
    const answered = population.exchanges.find((e) => e.caseId === allowed.handle.workflowId)!;
    expect(answered).toMatchObject({ client: agency, outcome: 'answered', fields: ['status'] });
    expect(performed.data.requestHash).toBe(answered.requestHash);

    const refused = await run(`marketing-${suffix}`, 'Find residents to send our offers to');
    expect(refused.outcome).toMatchObject({ status: 'failed' });
    const recorded = (await caseEvents(platform.kafka, refused.handle.workflowId, DOMAIN_EVENTS.caseFailed.type)).find(
      (e) => e.type === DOMAIN_EVENTS.lookupRefused.type,
    )!;
    const logged = population.exchanges.find((e) => e.caseId === refused.handle.workflowId)!;
    expect(logged).toMatchObject({ outcome: 'refused', code: 'REGISTRY.PURPOSE_NOT_ALLOWED' });
    expect(recorded.data).toMatchObject({ code: 'REGISTRY.PURPOSE_NOT_ALLOWED', requestHash: logged.requestHash });
  }, 60_000);

  it("hands the step to the fallback officer within the pickup limit once the agency's worker has stopped", async () => {
    const exited = new Promise((resolve) => agencyProcess.once('exit', resolve));
    agencyProcess.kill('SIGTERM');
    await exited;
    const handle = await submit();
    const started = Date.now();
    const state = await untilStep(handle, 'check-records', 'awaiting-officer', 30_000);
    // 3 s of pickup limit, and the worker's round trips: not the minute a stuck activity would take.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(state.steps['check-records']).toMatchObject({ role: 'records-officer', agencyDelayed: agency });
    // The citizen's list of cases says the agency is delayed (this API has no ledger for the timeline).
    const mine = await call(await as('citizen', 'citizen-kj'), 'GET', '/v1/cases');
    const listed = (mine.body as unknown as Array<{ caseId: string; currentStep: unknown }>).find(
      (c) => c.caseId === handle.workflowId,
    );
    expect(listed?.currentStep).toMatchObject({ stepId: 'check-records', delayed: true });
    await handle.terminate('end of the test');
  });
});
