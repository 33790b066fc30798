import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { PartnerProfile } from '@govmesh/contracts/partner-profile';
import type { ServiceDefinition } from '@govmesh/contracts/service-definition';
import { createSimulatedPartner, type Partner } from '@govmesh/partner-sdk';
import { serviceCase } from '@govmesh/workflows/service-case';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { engines } from './engines.js';
import { logger, runScoped } from './platform.js';
import { createKafka, ensureTopics } from '@govmesh/messaging';

const root = fileURLToPath(new URL('../..', import.meta.url));
const terms = { deadline: { hours: 48 }, capacity: 100 };
const { profiles, id, suffix } = runScoped([
  { id: 'acme-checks', name: 'ACME', capabilities: ['background-check@1'], terms: { 'background-check@1': terms }, status: 'active' },
  { id: 'swift-courier', name: 'Swift', capabilities: ['certificate-delivery@1'], terms: { 'certificate-delivery@1': terms }, status: 'active' },
] satisfies PartnerProfile[]);

const definition: ServiceDefinition = {
  apiVersion: 'govmesh/v1', kind: 'Service', id: 'quick-licence', version: 1, title: 'Quick licence', ownerAgency: 'market-regulation',
  application: { schema: 'business-licence-application@1' },
  steps: [
    { id: 'background-check', task: 'background-check@1', classification: { core: false, critical: false },
      partners: { select: 'first-eligible', maxReassignments: 0, fallback: { fail: true } }, deadline: { hours: 1 }, share: ['applicant.name', 'applicant.dateOfBirth'] },
    { id: 'deliver-certificate', task: 'certificate-delivery@1', classification: { core: false, critical: false },
      partners: { select: 'first-eligible', maxReassignments: 0, fallback: { fail: true } }, deadline: { hours: 1 }, share: ['applicant.name', 'business.address'] },
  ],
};
const application = {
  applicant: { name: 'Ada Lovelace', dateOfBirth: '1985-12-10', nationalId: 'NID-1', email: 'ada@example.org' },
  business: { name: 'Harbour Bakery', address: '1 Quay Street', activity: 'bakery' },
};

/** A govmesh process (worker or bridge), started from its built main, ready once it says so. */
function startProcess(pkg: 'worker' | 'bridge', env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(root, 'services', pkg, 'dist', 'main.js')], {
    cwd: root, env: { ...process.env, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${pkg} did not start within 60 s`)), 60_000);
    child.once('exit', (code) => reject(new Error(`${pkg} exited with ${code} while starting`)));
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes(`"msg":"${pkg} running"`)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
  });
}

function kill(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('a worker and a bridge killed in the middle of 50 open cases', () => {
  const N = 50;
  let client: Client;
  let connection: Connection;
  const partners: Partner[] = [];
  const processes: ChildProcess[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    const { kafkaBrokers, temporalAddress } = engines();
    const dir = mkdtempSync(join(tmpdir(), 'govmesh-crash-'));
    writeFileSync(join(dir, 'partners.json'), JSON.stringify(profiles));
    env = {
      KAFKA_BROKERS: kafkaBrokers.join(','), TEMPORAL_ADDRESS: temporalAddress,
      GOVMESH_PARTNERS_FILE: join(dir, 'partners.json'), GOVMESH_CASE_TASK_QUEUE: `e2e-crash-${suffix}`,
      GOVMESH_BRIDGE_GROUP: `e2e-crash-bridge-${suffix}`, GOVMESH_BRIDGE_TOPIC_PATTERN: `^govmesh\\.results\\.(${profiles.map((p) => p.id).join('|')})$`,
    };
    const kafka = createKafka({ clientId: `e2e-crash-${suffix}`, brokers: kafkaBrokers, logger });
    await ensureTopics(kafka, profiles.map((p) => p.id));
    for (const [base, capability] of [['acme-checks', 'background-check@1'], ['swift-courier', 'certificate-delivery@1']] as const) {
      partners.push(createSimulatedPartner({ partnerId: id(base), kafka, logger, capabilities: [capability], behaviour: { latencyMs: { min: 200, max: 1500 } } }));
    }
    await Promise.all(partners.map((p) => p.start()));
    connection = await Connection.connect({ address: temporalAddress });
    client = new Client({ connection });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(processes.map(kill));
    await Promise.all(partners.map((p) => p.stop()));
    await connection?.close();
  });

  it('completes all 50, and applies no result twice', async () => {
    processes.push(await startProcess('worker', env), await startProcess('bridge', env));
    const handles: Array<WorkflowHandle<typeof serviceCase>> = [];
    for (let i = 0; i < N; i += 1) {
      const caseId = `crash-${suffix}-${i}`;
      handles.push(await client.workflow.start(serviceCase, { taskQueue: env.GOVMESH_CASE_TASK_QUEUE!, workflowId: caseId, args: [{ caseId, definition, application }] }));
    }
    await new Promise((r) => setTimeout(r, 1_500));
    await Promise.all(processes.map(kill));
    const open = (await Promise.all(handles.map((h) => h.describe()))).filter((d) => d.status.name === 'RUNNING').length;
    expect(open).toBeGreaterThan(0); // the kill really hit cases in flight

    processes.push(await startProcess('worker', env), await startProcess('bridge', env));
    const outcomes = await Promise.all(handles.map((h) => h.result()));
    expect(outcomes.filter((o) => o.status === 'completed')).toHaveLength(N);

    for (const handle of handles) {
      const history = await handle.fetchHistory();
      const applied = (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'submitTaskResult');
      expect(applied, handle.workflowId).toHaveLength(2);
    }
    logger.warn({ openAtKill: open }, 'crash recovery');
  }, 240_000);
});
