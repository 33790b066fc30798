import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';

import { SqlitePlatformStore, createServer } from '@govmesh/api';
import { DevelopmentIssuer, developmentIssuerKeyFile } from '@govmesh/tokens';
import type { ServiceDefinition } from '@govmesh/contracts/service-definition';
import { earliestDeadline, officerTasks, type CaseState } from '@govmesh/workflows/case-api';
import type { ErasureOrder } from '@govmesh/workflows/case-erasure';
import { CaseStillRunning, inboxPage, sliceOfInbox } from '@govmesh/case-client';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('../../..', import.meta.url).pathname;
// `govmesh token mint` and this API share a development issuer's key in a data folder of the test's own.
const dataDir = mkdtempSync(join(tmpdir(), 'govmesh-cli-test-'));

/**
 * The `govmesh` subcommands that talk to the API, run as a user runs them, against the API's
 * express app with ports that keep cases in memory (Temporal stays out of this unit test).
 */
describe('govmesh over the API', () => {
  const states = new Map<string, CaseState>();
  let url: string;
  let close: () => void;

  beforeAll(async () => {
    const tokens = (await DevelopmentIssuer.open(developmentIssuerKeyFile(dataDir))).verifier();
    const app = createServer({
      store: new SqlitePlatformStore(':memory:'),
      tokens,
      logger: pino({ level: 'silent' }),
      newCaseId: () => `case-${states.size + 1}`,
      cases: {
        start: (caseId: string, d: ServiceDefinition) => (
          states.set(caseId, {
            caseId,
            serviceId: d.id,
            serviceVersion: d.version,
            status: 'running',
            steps: {
              decision: { id: 'decision', mode: 'in-house', status: 'awaiting-officer', role: 'licensing-officer' },
            },
          }),
          Promise.resolve()
        ),
        state: (caseId: string) => Promise.resolve(states.get(caseId)),
        endedAt: () => Promise.resolve(undefined),
        // As a visibility query answers for cases that keep their officer tasks in their memo.
        officerInbox: () =>
          Promise.resolve([...states.values()].map((state) => ({ caseId: state.caseId, tasks: officerTasks(state) }))),
        // Pages as CaseClient pages them: overdue cases first, then newest first, a second apart.
        officerInboxPage: (_roles: readonly string[], page: { pageSize: number; pageToken?: string }, now: Date) => {
          const order = [...states.keys()];
          const listed = [...states.values()].map((state) => ({
            caseId: state.caseId,
            tasks: officerTasks(state),
            startedAt: `${new Date(order.indexOf(state.caseId) * 1000).toISOString().slice(0, 19)}.000000000Z`,
            dueBy: earliestDeadline(officerTasks(state)),
          }));
          return inboxPage(
            (slice, limit) => Promise.resolve(sliceOfInbox(listed, slice, limit)),
            page.pageSize,
            page.pageToken,
            now,
          );
        },
        claim: (_caseId: string, c: { officerId: string; action: 'claim' | 'release' }) =>
          Promise.resolve({ version: 2, claimedBy: c.action === 'claim' ? c.officerId : null }),
        decide: () => Promise.resolve(),
        provideInput: () => Promise.resolve(),
        revoke: () => Promise.resolve(),
        withdraw: () => Promise.resolve(),
        casesClosedSince: () => Promise.resolve([]),
        // As the erasure workflow: a running case is refused, a closed one erased.
        erase: (order: ErasureOrder) =>
          states.get(order.caseId)?.status === 'running'
            ? Promise.reject(new CaseStillRunning(order.caseId))
            : Promise.resolve({ caseId: order.caseId, partnersTold: [], historyDeleted: true }),
      },
      partners: {
        onboard: () => Promise.reject(new Error('unused')),
        rotateCredentials: () => Promise.reject(new Error('unused')),
        changeStatus: () => Promise.resolve({ moved: [] }),
      },
      audit: {
        scorecards: () => Promise.resolve([]),
        auditTimeline: () => Promise.resolve([]),
        citizenTimeline: () => Promise.resolve([]),
        verify: () => Promise.reject(new Error('unused')),
        transparency: () => Promise.resolve([]),
      },
      events: { satisfactionRated: () => Promise.resolve() },
      readiness: { check: () => Promise.resolve({}) },
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
    // The identity agency's workers announce what they run, as @govmesh/agency-sdk does on start.
    const issuer = await DevelopmentIssuer.open(developmentIssuerKeyFile(dataDir));
    const systems = await issuer.mint({ role: 'agency-admin', subject: 'ps-systems', agency: 'public-security' });
    const announced = await fetch(`${url}/v1/agencies/public-security/offer`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${systems}`, 'content-type': 'application/json' },
      body: JSON.stringify({ activities: [{ name: 'verifyIdentity' }] }),
    });
    expect(announced.status).toBe(200);
  });
  afterAll(() => close());

  const govmesh = async (args: string[], token?: string) => {
    try {
      const { stdout, stderr } = await run(process.execPath, ['services/cli/bin/govmesh.js', ...args], {
        cwd: root,
        env: {
          ...process.env,
          GOVMESH_API_URL: url,
          GOVMESH_DATA_DIR: dataDir,
          ...(token ? { GOVMESH_TOKEN: token } : {}),
        },
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  it('publishes, refuses a bad definition with every problem, lists, submits, and works the inbox', async () => {
    const admin = (
      await govmesh(['token', 'mint', '--role', 'agency-admin', '--sub', 'admin-ada', '--agency', 'market-regulation'])
    ).stdout.trim();
    expect(await govmesh(['service', 'apply', '-f', 'examples/business-licence.yaml'], admin)).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(
        /^published business-licence version 4\n {2}! step background-check: task background-check@1 is deprecated/,
      ) as unknown,
    });
    const bad = await govmesh(['service', 'apply', '-f', 'examples/invalid/five-mistakes.yaml'], admin);
    expect(bad.code).toBe(1);
    expect(bad.stderr.match(/^ {2}- body/gm)).toHaveLength(5);
    expect(JSON.parse((await govmesh(['agency', 'list', '--json'], admin)).stdout)).toEqual([
      expect.objectContaining({ agency: 'public-security', activities: [{ name: 'verifyIdentity' }] }),
    ]);
    // An activity nobody offers is refused, unless the publisher says its agency is not deployed yet.
    const typo = join(mkdtempSync(join(tmpdir(), 'govmesh-cli-')), 'typo.yaml');
    writeFileSync(
      typo,
      readFileSync(join(root, 'examples/business-licence.yaml'), 'utf8')
        .replace('version: 4', 'version: 5')
        .replace('activity: verifyIdentity', 'activity: verifyIdentityy'),
    );
    const refused = await govmesh(['service', 'apply', '-f', typo], admin);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /public-security's activity verifyIdentityy, which its workers do not offer \(they offer verifyIdentity\) \[unknown-agency-activity\]/,
    );
    expect(
      await govmesh(['service', 'apply', '-f', typo, '--not-yet-deployed', 'public-security'], admin),
    ).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(
        /! step verify-identity: run names public-security's verifyIdentityy, which no worker offers yet/,
      ) as unknown,
    });
    const list = await govmesh(['service', 'list', '--json']);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id: 'business-licence', version: 5 })]);

    // The admin's token came from `govmesh token mint` above; the others are minted here, with the same key.
    const issuer = await DevelopmentIssuer.open(developmentIssuerKeyFile(dataDir));
    const citizen = await issuer.mint({ role: 'citizen', subject: 'citizen-1' });
    const submit = async () => {
      const submitted = await govmesh(
        [
          'case',
          'submit',
          '--service',
          'business-licence',
          '-f',
          'examples/applications/business-licence.yaml',
          '--json',
        ],
        citizen,
      );
      expect(submitted.code, submitted.stderr).toBe(0);
      return (JSON.parse(submitted.stdout) as { caseId: string }).caseId;
    };
    const caseId = await submit();
    expect((await govmesh(['case', 'status', caseId], citizen)).stdout).toContain(
      'now: An officer is deciding: decision',
    );

    const officer = await issuer.mint({
      role: 'officer',
      subject: 'officer-1',
      officerRoles: ['licensing-officer'],
      agency: 'market-regulation',
    });
    expect((await govmesh(['task', 'list'], officer)).stdout).toMatch(
      new RegExp(`${caseId}:decision\\s+officer\\s+licensing-officer`),
    );
    // A second case: pages of one, newest first, the next page's command printed under the first.
    const second = { caseId: await submit() };
    const first = await govmesh(['task', 'list', '--page-size', '1'], officer);
    expect(first.stdout).toContain(`${second.caseId}:decision`);
    expect(first.stdout).not.toContain(`${caseId}:decision`);
    const more = /^more: govmesh task list --page-size 1 --page-token (\S+)$/m.exec(first.stdout);
    expect(more, first.stdout).not.toBeNull();
    const last = JSON.parse(
      (await govmesh(['task', 'list', '--page-size', '1', '--page-token', more![1]!, '--json'], officer)).stdout,
    ) as { tasks: Array<{ taskId: string }>; nextPageToken?: string };
    expect(last).toEqual({ tasks: [expect.objectContaining({ taskId: `${caseId}:decision` })] });
    expect(await govmesh(['task', 'list', '--page-size', '1', '--page-token', 'nope'], officer)).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('query.pageToken') as unknown,
    });
    expect(await govmesh(['task', 'claim', `${caseId}:decision`], officer)).toMatchObject({
      code: 0,
      stdout: `claimed ${caseId}:decision (version 2): decide with --version 2\n`,
    });
    expect(
      await govmesh(['task', 'decide', `${caseId}:decision`, '--decision', 'approve', '--version', '2'], officer),
    ).toMatchObject({ code: 0 });
    // Refused by the API: exit 1 with the problem; no token: 401 with a hint.
    expect(await govmesh(['task', 'list'], citizen)).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('403 Forbidden') as unknown,
    });
    expect(await govmesh(['task', 'list'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('govmesh token mint') as unknown,
    });
  }, 60_000);

  it('publishes a task type and a form from files, refuses a breaking revision with its list, and lists them', async () => {
    const env = (
      await govmesh(['token', 'mint', '--role', 'agency-admin', '--sub', 'admin-env', '--agency', 'environment'])
    ).stdout.trim();
    expect(
      await govmesh(['contract', 'publish', '-f', 'examples/standards/water-analysis.task-type.yaml'], env),
    ).toMatchObject({ code: 0, stdout: 'published water-analysis@1 revision 1\n' });
    expect(
      await govmesh(['form', 'publish', '-f', 'examples/standards/well-permit-application.form.yaml'], env),
    ).toMatchObject({ code: 0, stdout: 'published well-permit-application@1 revision 1\n' });
    const breaking = join(dataDir, 'breaking.yaml');
    writeFileSync(
      breaking,
      readFileSync(join(root, 'examples/standards/water-analysis.task-type.yaml'), 'utf8').replace(
        'required: [potable, sampledOn]',
        'required: [potable, sampledOn, nitrateMgPerL]',
      ),
    );
    const refused = await govmesh(['contract', 'publish', '-f', breaking], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/409 The revision breaks the major/);
    expect(refused.stderr).toContain(
      '  - body.output.nitrateMgPerL: output.nitrateMgPerL became required [made-required]',
    );
    const list = JSON.parse((await govmesh(['contract', 'list', '--json'])).stdout) as Array<{ ref: string }>;
    expect(list.map((c) => c.ref)).toEqual(expect.arrayContaining(['water-analysis@1', 'background-check@1']));
    expect((await govmesh(['contract', 'list'])).stdout).toMatch(
      /background-check@1\s+1\s+deprecated\s+public-security/,
    );
    expect(await govmesh(['service', 'validate', '-f', 'examples/well-permit.yaml'])).toMatchObject({ code: 1 });
  }, 60_000);

  it('lists and rotates the case data keys, never printing a key', async () => {
    const listed = JSON.parse((await govmesh(['case-keys', 'list', '--json'])).stdout) as {
      file: string;
      active: string;
      keys: string[];
    };
    expect(listed.file).toBe(join(dataDir, 'secrets', 'case-keys.json'));
    expect(listed.keys).toEqual([listed.active]);
    const rotated = await govmesh(['case-keys', 'rotate']);
    expect(rotated.stdout).toMatch(/now seals new case data \(2 keys\); restart the API, worker and bridge/);
    const after = JSON.parse((await govmesh(['case-keys', 'list', '--json'])).stdout) as typeof listed;
    expect(after.keys).toHaveLength(2);
    expect(after.keys).toContain(listed.active);
    expect(after.active).not.toBe(listed.active);
    const secret = (JSON.parse(readFileSync(listed.file, 'utf8')) as { keys: Record<string, string> }).keys[
      after.active
    ]!;
    expect((await govmesh(['case-keys', 'list'])).stdout).not.toContain(secret);
  }, 30_000);

  it("files a citizen's erasure request; an auditor sees it pending and approves, and reads what became of each case", async () => {
    const issuer = await DevelopmentIssuer.open(developmentIssuerKeyFile(dataDir));
    const citizen = await issuer.mint({ role: 'citizen', subject: 'citizen-1' });
    const auditor = await issuer.mint({ role: 'auditor', subject: 'auditor-1' });
    const filed = await govmesh(['erasure', 'request', '--reason', 'I moved abroad', '--json'], citizen);
    expect(filed.code, filed.stderr).toBe(0);
    const { id } = JSON.parse(filed.stdout) as { id: string };
    expect((await govmesh(['erasure', 'list', '--status', 'pending'], auditor)).stdout).toMatch(
      new RegExp(`${id}\\s+citizen-1\\s+pending`),
    );
    // The citizen's case from the first test still runs: it is kept, and the table says why.
    const approved = await govmesh(['erasure', 'approve', id, '--reason', 'PIPL art. 47'], auditor);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toMatch(/approved\n[\s\S]*kept\s+case case-1 is still running/);
    // Only auditors decide.
    expect(await govmesh(['erasure', 'refuse', id, '--reason', 'no'], citizen)).toMatchObject({ code: 1 });
  }, 30_000);

  it('exits 3 when the API cannot be reached', async () => {
    const { code, stderr } = await run(process.execPath, ['services/cli/bin/govmesh.js', 'service', 'list'], {
      cwd: root,
      env: { ...process.env, GOVMESH_API_URL: 'http://127.0.0.1:9' },
    }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(code).toBe(3);
    expect(stderr).toMatch(/cannot reach the govmesh API at http:\/\/127\.0\.0\.1:9/);
  }, 20_000);
});
