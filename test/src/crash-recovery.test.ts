import { DOMAIN_EVENTS } from '@govmesh/contracts/domain-events';
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { PartnerProfile } from '@govmesh/contracts/partner-profile';
import { createSimulatedPartner, type Partner } from '@govmesh/partner-sdk';
import { caseStateQuery } from '@govmesh/workflows/case-api';
import { serviceCase } from '@govmesh/workflows/service-case';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { caseKeysEnv, engines, freePort, platformPrincipal, principalEnv, testDataConverter } from './engines.js';
import { logger, outsourcedStep, runScoped, serviceWith } from './platform.js';
import { createKafka, ensureTopics, serviceProgram, untilReady } from '@govmesh/messaging';

const root = fileURLToPath(new URL('../..', import.meta.url));
const terms = { deadline: { hours: 48 }, capacity: 100 };
const { profiles, id, suffix } = runScoped([
  {
    id: 'acme-checks',
    name: 'ACME',
    capabilities: ['background-check@1'],
    terms: { 'background-check@1': terms },
    status: 'active',
  },
  {
    id: 'swift-courier',
    name: 'Swift',
    capabilities: ['certificate-delivery@1'],
    terms: { 'certificate-delivery@1': terms },
    status: 'active',
  },
] satisfies PartnerProfile[]);

// `only` this run's partners: the worker processes also follow the shared partner registry topic.
const definition = serviceWith('quick-licence', [
  outsourcedStep('background-check', 'background-check@1', ['applicant.name', 'applicant.dateOfBirth'], {
    only: [id('acme-checks')],
  }),
  outsourcedStep('deliver-certificate', 'certificate-delivery@1', ['applicant.name', 'business.address'], {
    only: [id('swift-courier')],
  }),
]);
const application = {
  applicant: { name: 'Ada Lovelace', dateOfBirth: '1985-12-10', nationalId: 'NID-1', email: 'ada@example.org' },
  business: { name: 'Harbour Bakery', address: '1 Quay Street', activity: 'bakery' },
};

/**
 * A govmesh process (worker or bridge), started from its built main, ready once it says so (IPC).
 * Its output goes straight to a file: a pipe this process drains could block the child.
 */
async function startProcess(
  pkg: 'worker' | 'bridge',
  env: Record<string, string>,
  logDir: string,
): Promise<ChildProcess> {
  const logFile = join(logDir, `${pkg}-${Date.now()}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [serviceProgram(root, pkg)], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'info', ...env, ...principalEnv(pkg) },
    stdio: ['ignore', fd, fd, 'ipc'],
  });
  closeSync(fd);
  await untilReady(child, pkg, logFile);
  return child;
}

function kill(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** What the open cases wait for, so a hang says where it hangs. */
async function stuck(handles: ReadonlyArray<WorkflowHandle<typeof serviceCase>>): Promise<string> {
  const open = [];
  for (const h of handles) {
    if ((await h.describe()).status.name !== 'RUNNING') continue;
    const state = await h.query(caseStateQuery);
    open.push(
      `${h.workflowId}: ${JSON.stringify(Object.values(state.steps).map((st) => [st.id, st.status, st.attempt]))}`,
    );
  }
  return `${open.length}\n${open.slice(0, 10).join('\n')}`;
}

describe('a worker and a bridge killed in the middle of 50 open cases', () => {
  const N = 50;
  let client: Client;
  let connection: Connection;
  const partners: Partner[] = [];
  const processes: ChildProcess[] = [];
  let env: Record<string, string>;
  let logDir: string;

  beforeAll(async () => {
    const { kafkaBrokers, temporalAddress } = engines();
    const dir = mkdtempSync(join(tmpdir(), 'govmesh-crash-'));
    logDir = dir;
    writeFileSync(join(dir, 'partners.json'), JSON.stringify(profiles));
    env = {
      KAFKA_BROKERS: kafkaBrokers.join(','),
      TEMPORAL_ADDRESS: temporalAddress,
      GOVMESH_PARTNERS_FILE: join(dir, 'partners.json'),
      GOVMESH_CASE_TASK_QUEUE: `e2e-crash-${suffix}`,
      // A restarted process takes the killed one's metrics port again.
      GOVMESH_WORKER_METRICS_PORT: String(await freePort()),
      GOVMESH_WORKER_SDK_METRICS_PORT: String(await freePort()),
      GOVMESH_BRIDGE_METRICS_PORT: String(await freePort()),
      GOVMESH_BRIDGE_GROUP: `govmesh-bridge-e2e-crash-${suffix}`,
      GOVMESH_BRIDGE_TOPIC_PATTERN: `^govmesh\\.results\\.(${profiles.map((p) => p.id).join('|')})$`,
      // The spawned worker and bridge seal case data with this test's keys, so its client reads them.
      ...caseKeysEnv(),
    };
    const kafka = createKafka({
      clientId: `e2e-crash-${suffix}`,
      brokers: kafkaBrokers,
      logger,
      credentials: platformPrincipal('admin'),
    });
    await ensureTopics(
      kafka,
      profiles.map((p) => p.id),
    );
    for (const [base, capability] of [
      ['acme-checks', 'background-check@1'],
      ['swift-courier', 'certificate-delivery@1'],
    ] as const) {
      partners.push(
        createSimulatedPartner({
          partnerId: id(base),
          kafka,
          logger,
          capabilities: [capability],
          behaviour: { latencyMs: { min: 200, max: 1500 } },
        }),
      );
    }
    await Promise.all(partners.map((p) => p.start()));
    connection = await Connection.connect({ address: temporalAddress });
    client = new Client({ connection, dataConverter: testDataConverter() });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(processes.map(kill));
    await Promise.all(partners.map((p) => p.stop()));
    await connection?.close();
  });

  it('completes all 50, and applies no result twice', async () => {
    processes.push(await startProcess('worker', env, logDir), await startProcess('bridge', env, logDir));
    const handles: Array<WorkflowHandle<typeof serviceCase>> = [];
    for (let i = 0; i < N; i += 1) {
      const caseId = `crash-${suffix}-${i}`;
      handles.push(
        await client.workflow.start(serviceCase, {
          taskQueue: env.GOVMESH_CASE_TASK_QUEUE!,
          workflowId: caseId,
          args: [{ caseId, definition, application }],
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 1_500));
    await Promise.all(processes.map(kill));
    const open = (await Promise.all(handles.map((h) => h.describe()))).filter(
      (d) => d.status.name === 'RUNNING',
    ).length;
    expect(open).toBeGreaterThan(0); // the kill really hit cases in flight

    processes.push(await startProcess('worker', env, logDir), await startProcess('bridge', env, logDir));
    const outcomes = await Promise.race([
      Promise.all(handles.map((h) => h.result())),
      new Promise<never>((_, reject) =>
        setTimeout(
          () =>
            void stuck(handles).then((s) =>
              reject(new Error(`cases still open after 150 s (process logs in ${logDir}): ${s}`)),
            ),
          150_000,
        ),
      ),
    ]);
    expect(outcomes.filter((o) => o.status === 'completed')).toHaveLength(N);
    // The restarted processes count what they did since their start on /metrics.
    const sample = async (port: string | undefined, name: string, label: string) => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
      return Number(line?.split(' ').pop() ?? 0);
    };
    expect(
      await sample(env.GOVMESH_BRIDGE_METRICS_PORT, 'govmesh_bridge_results_total', 'outcome="accepted"'),
    ).toBeGreaterThan(0);
    expect(
      await sample(
        env.GOVMESH_WORKER_METRICS_PORT,
        'govmesh_events_published_total',
        `type="${DOMAIN_EVENTS.caseCompleted.type}"`,
      ),
    ).toBeGreaterThan(0);

    for (const handle of handles) {
      const history = await handle.fetchHistory();
      const applied = (history.events ?? []).filter(
        (e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'submitTaskResult',
      );
      expect(applied, handle.workflowId).toHaveLength(2);
    }
    logger.warn({ openAtKill: open }, 'crash recovery');
  }, 240_000);
});
