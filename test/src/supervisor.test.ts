import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startPlatformStack, type PlatformStack } from '@govmesh/demo';
import { serviceProgram, untilReady } from '@govmesh/messaging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { engines, freePort, principalEnv } from './engines.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

async function until(what: string, holds: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await holds())) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * `govmesh up` supervises the four service processes: a service that dies is started again, and
 * a service whose supervisor is gone stops instead of running on with no parent.
 */
describe('the supervisor of govmesh up', () => {
  const suffix = Math.random().toString(16).slice(2, 8);
  const dir = mkdtempSync(join(tmpdir(), 'govmesh-e2e-supervisor-'));
  const notices: string[] = [];
  let stack: PlatformStack;
  let env: Record<string, string>;

  beforeAll(async () => {
    const { kafkaBrokers, temporalAddress } = engines();
    env = {
      KAFKA_BROKERS: kafkaBrokers.join(','),
      TEMPORAL_ADDRESS: temporalAddress,
      GOVMESH_DATA_DIR: dir,
      GOVMESH_API_PORT: String(await freePort()),
      GOVMESH_AUDIT_URL: `http://127.0.0.1:${await freePort()}`,
      GOVMESH_WORKER_METRICS_PORT: String(await freePort()),
      GOVMESH_WORKER_SDK_METRICS_PORT: String(await freePort()),
      GOVMESH_BRIDGE_METRICS_PORT: String(await freePort()),
      GOVMESH_AUDIT_GROUP: `govmesh-audit-e2e-supervisor-${suffix}`,
      GOVMESH_BRIDGE_GROUP: `govmesh-bridge-e2e-supervisor-${suffix}`,
      GOVMESH_CASE_TASK_QUEUE: `e2e-supervisor-${suffix}`,
    };
    stack = await startPlatformStack({
      root,
      env,
      envOf: (component) => principalEnv(component),
      logFile: join(dir, 'govmesh.log'),
      onNotice: (line) => notices.push(line),
    });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('serves Prometheus metrics from every service, the ledger counts among them', async () => {
    const scrape = async (url: string) => {
      const response = await fetch(url);
      expect(response.status, url).toBe(200);
      return await response.text();
    };
    const api = await scrape(`http://127.0.0.1:${env.GOVMESH_API_PORT}/metrics`);
    const worker = await scrape(`http://127.0.0.1:${env.GOVMESH_WORKER_METRICS_PORT}/metrics`);
    const bridge = await scrape(`http://127.0.0.1:${env.GOVMESH_BRIDGE_METRICS_PORT}/metrics`);
    const audit = await scrape(`${env.GOVMESH_AUDIT_URL}/metrics`);
    expect(api).toContain('# TYPE govmesh_api_requests_total counter');
    expect(worker).toContain('# TYPE govmesh_events_published_total counter');
    expect(worker).toContain('govmesh_worker_process_resident_memory_bytes');
    // The Temporal SDK's own, served by its core beside the worker's.
    expect(await scrape(`http://127.0.0.1:${env.GOVMESH_WORKER_SDK_METRICS_PORT}/metrics`)).toMatch(
      /^# TYPE temporal_/m,
    );
    expect(bridge).toContain('# TYPE govmesh_bridge_results_total counter');
    expect(bridge).toContain('# TYPE govmesh_bridge_handover_seconds histogram');
    expect(audit).toContain('# TYPE govmesh_audit_records_appended_total counter');
    // The audit service reads govmesh.events from the start: its ledger fills as soon as it runs.
    await until('the audit service appended records', async () =>
      /govmesh_audit_records_appended_total\{service="audit"\} [1-9]/.test(
        await scrape(`${env.GOVMESH_AUDIT_URL}/metrics`),
      ),
    );
    // The metrics are open on loopback; the ledger's read model still asks for its secret.
    expect((await fetch(`${env.GOVMESH_AUDIT_URL}/v1/verify`)).status).toBe(401);
  }, 60_000);

  it('starts a service that died again', async () => {
    const before = stack.pids().worker!;
    process.kill(before, 'SIGKILL');
    await until('the worker started again', () => notices.some((n) => n.includes('[worker] running again')));
    const after = stack.pids().worker!;
    expect(after).not.toBe(before);
    expect(alive(after)).toBe(true);
    expect(notices.some((n) => n.includes('[worker] WARN exited with') && n.includes('starting it again'))).toBe(true);
  }, 120_000);

  it('leaves no service running when its supervisor is gone', async () => {
    const child = spawn(process.execPath, [serviceProgram(root, 'bridge')], {
      cwd: root,
      env: {
        ...process.env,
        ...env,
        ...principalEnv('bridge'),
        GOVMESH_BRIDGE_GROUP: `govmesh-bridge-e2e-orphan-${suffix}`,
        GOVMESH_BRIDGE_METRICS_PORT: '0',
      },
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    });
    await untilReady(child, 'the bridge', 'its own log');
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.disconnect(); // what the IPC channel does when the supervisor process dies
    expect(await exited).toBe(0);
  }, 120_000);
});
