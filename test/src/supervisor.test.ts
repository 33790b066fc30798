import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startPlatformStack, type PlatformStack } from '@govmesh/demo';
import { engineUp, infraDown, isAlive, loadInfraConfig, type InfraConfig } from '@govmesh/infra';
import { serviceProgram, untilReady } from '@govmesh/messaging';
import { DevelopmentIssuer, developmentIssuerKeyFile } from '@govmesh/tokens';
import { createPartner } from '@govmesh/partner-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { engines, freePort, principalEnv, takePortOnceFree } from './engines.js';
import { metricsTheOpsFilesRead } from './ops.js';

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
  const givenUp: Error[] = [];
  let stack: PlatformStack;
  let env: Record<string, string>;
  // The trace viewer `--tracing` starts, on a port and in a data folder of this test's own.
  let infra: InfraConfig;

  beforeAll(async () => {
    const { kafkaBrokers, temporalAddress } = engines();
    env = {
      KAFKA_BROKERS: kafkaBrokers.join(','),
      TEMPORAL_ADDRESS: temporalAddress,
      GOVMESH_DATA_DIR: dir,
      GOVMESH_API_PORT: String(await freePort()),
      GOVMESH_WEB_PORT: String(await freePort()),
      GOVMESH_WEB_METRICS_PORT: String(await freePort()),
      GOVMESH_REGISTRY_PORT: String(await freePort()),
      GOVMESH_AUDIT_URL: `http://127.0.0.1:${await freePort()}`,
      GOVMESH_WORKER_METRICS_PORT: String(await freePort()),
      GOVMESH_WORKER_SDK_METRICS_PORT: String(await freePort()),
      GOVMESH_BRIDGE_METRICS_PORT: String(await freePort()),
      GOVMESH_AUDIT_GROUP: `govmesh-audit-e2e-supervisor-${suffix}`,
      GOVMESH_BRIDGE_GROUP: `govmesh-bridge-e2e-supervisor-${suffix}`,
      GOVMESH_CASE_TASK_QUEUE: `e2e-supervisor-${suffix}`,
    };
    infra = loadInfraConfig({ ...process.env, GOVMESH_DATA_DIR: dir, GOVMESH_ZIPKIN_PORT: String(await freePort()) });
    await engineUp(infra, 'zipkin');
    env.OTEL_EXPORTER_ZIPKIN_ENDPOINT = infra.zipkin.spansUrl;
    // The pages sign people in at this API's development issuer.
    env.GOVMESH_API_URL = `http://127.0.0.1:${env.GOVMESH_API_PORT}`;
    stack = await startPlatformStack({
      root,
      env,
      // The pages reach only the API: they hold no Kafka principal.
      envOf: (component) => (component === 'web' ? {} : principalEnv(component)),
      logFile: join(dir, 'govmesh.log'),
      onNotice: (line) => notices.push(line),
      onGaveUp: (err) => givenUp.push(err),
      // Asked often, so that a held service is noticed within the test's time.
      askEveryMs: 1_000,
      silentAfterMs: 5_000,
      restartSilentAfterMs: 25_000,
    });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    if (infra) await infraDown(infra, undefined, ['zipkin']);
  });

  it("sends the services' spans to the trace viewer: one request is one trace across the pages, the API and the audit service", async () => {
    // A new ledger first reads govmesh.events from the beginning, which on a long-used broker is
    // tens of thousands of events; the audit service answers a read of the ledger meanwhile only
    // slowly. The trace is what is tested here, so the request waits for the ledger to catch up.
    await until(
      'the audit service to catch up on govmesh.events',
      async () => {
        const metrics = await fetch(`${env.GOVMESH_AUDIT_URL}/metrics`).then((r) => (r.ok ? r.text() : ''));
        return /^govmesh_audit_ledger_lag_messages(\{[^}]*\})? 0$/m.test(metrics);
      },
      150_000,
    );
    const traceId = randomBytes(16).toString('hex');
    // The public transparency page: the web front end asks the API, which asks the audit service.
    const answer = await fetch(`http://127.0.0.1:${env.GOVMESH_WEB_PORT}/transparency`, {
      headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    });
    expect(answer.status).toBe(200);
    let spans: Array<{ name: string; parentId?: string; id: string; localEndpoint?: { serviceName?: string } }> = [];
    await until(
      'Zipkin shows the request in the pages, the API and the audit service',
      async () => {
        const found = await fetch(`${infra.zipkin.uiUrl.replace('/zipkin/', '')}/api/v2/trace/${traceId}`);
        spans = found.ok ? ((await found.json()) as typeof spans) : [];
        return new Set(spans.map((s) => s.localEndpoint?.serviceName)).size >= 3;
      },
      30_000,
    );
    const page = spans.find((s) => s.localEndpoint?.serviceName === 'govmesh-web')!;
    const api = spans.find((s) => s.localEndpoint?.serviceName === 'govmesh-api' && s.name === 'get /v1/transparency')!;
    const audit = spans.find((s) => s.localEndpoint?.serviceName === 'govmesh-audit')!;
    expect(page.name).toBe('get /transparency');
    expect(api.parentId).toBe(page.id); // the page's call to the API carried its span in traceparent
    expect(audit.parentId).toBe(api.id); // and so did the API's call to the audit service
  }, 240_000);

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
    // Each problem the API answers is counted by its code.
    expect((await fetch(`http://127.0.0.1:${env.GOVMESH_API_PORT}/v1/tasks`)).status).toBe(401);
    expect(await scrape(`http://127.0.0.1:${env.GOVMESH_API_PORT}/metrics`)).toMatch(
      /^govmesh_api_problems_total\{code="AUTH\.UNAUTHENTICATED",status="401"\} [1-9]/m,
    );
    expect(worker).toContain('# TYPE govmesh_events_published_total counter');
    expect(worker).toContain('govmesh_worker_process_resident_memory_bytes');
    // The Temporal SDK's own, served by its core beside the worker's.
    expect(await scrape(`http://127.0.0.1:${env.GOVMESH_WORKER_SDK_METRICS_PORT}/metrics`)).toMatch(
      /^# TYPE temporal_/m,
    );
    expect(bridge).toContain('# TYPE govmesh_bridge_results_total counter');
    expect(bridge).toContain('# TYPE govmesh_bridge_handover_seconds histogram');
    expect(audit).toContain('# TYPE govmesh_audit_records_appended_total counter');
    // The pages count themselves on a port apart from the public one.
    expect(await scrape(`http://127.0.0.1:${env.GOVMESH_WEB_METRICS_PORT}/metrics`)).toContain(
      '# TYPE govmesh_web_pages_total counter',
    );
    // The audit service reads govmesh.events from the start: its ledger fills as soon as it runs.
    await until('the audit service appended records', async () =>
      /govmesh_audit_records_appended_total\{service="audit"\} [1-9]/.test(
        await scrape(`${env.GOVMESH_AUDIT_URL}/metrics`),
      ),
    );
    // Everything the dashboard and the alert rules read is served by a service (or a partner's SDK).
    const sdk = await scrape(`http://127.0.0.1:${env.GOVMESH_WORKER_SDK_METRICS_PORT}/metrics`);
    const partner = await createPartner({
      partnerId: 'metrics-probe',
      brokers: engines().kafkaBrokers,
      handlers: {},
    }).metrics.metrics();
    const served = new Set(
      [api, worker, bridge, await scrape(`${env.GOVMESH_AUDIT_URL}/metrics`), sdk, partner].flatMap((text) =>
        [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!),
      ),
    );
    expect(metricsTheOpsFilesRead().filter((name) => !served.has(name))).toEqual([]);
    expect(bridge).toContain('# TYPE govmesh_consumer_lag_messages gauge');
    expect(audit).toContain('# TYPE govmesh_audit_ledger_lag_messages gauge');
    // The metrics are open on loopback; the ledger's read model still asks for its secret.
    expect((await fetch(`${env.GOVMESH_AUDIT_URL}/v1/verify`)).status).toBe(401);
  }, 60_000);

  it("starts each demo agency's systems as a process of its own, which announces what it offers", async () => {
    const issuer = await DevelopmentIssuer.open(developmentIssuerKeyFile(dir));
    const auditor = await issuer.mint({ role: 'auditor', subject: 'auditor-1' });
    const offers = (await (
      await fetch(`http://127.0.0.1:${env.GOVMESH_API_PORT}/v1/agencies`, {
        headers: { authorization: `Bearer ${auditor}` },
      })
    ).json()) as Array<{ agency: string; announcedBy: string; activities: Array<{ name: string }> }>;
    expect(offers.map((o) => [o.agency, o.announcedBy, o.activities.map((a) => a.name)])).toEqual([
      ['public-security', 'public-security-systems', ['verifyIdentity']],
      ['social-security', 'social-security-systems', ['schedulePayments']],
    ]);
    const pids = stack.pids();
    expect(pids['agency-public-security']).toBeGreaterThan(0);
    expect(new Set([pids.worker, pids['agency-public-security'], pids['agency-social-security']]).size).toBe(3);
  });

  it("runs market regulation's enterprise registry as a service of its own, which answers an agency by its policy", async () => {
    expect(stack.pids()['registry-enterprise-registry']).toBeGreaterThan(0);
    const issuer = await DevelopmentIssuer.open(developmentIssuerKeyFile(dir));
    const socialSecurity = await issuer.mint({
      role: 'agency-admin',
      subject: 'social-security-systems',
      agency: 'social-security',
    });
    const ask = (token: string | undefined, purpose: string) =>
      fetch(`http://127.0.0.1:${env.GOVMESH_REGISTRY_PORT}/v1/registries/enterprise-registry/lookups`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({
          requestId: 'supervisor-test:employer',
          client: 'social-security',
          caseId: 'supervisor-test',
          purpose,
          fields: ['name', 'status'],
          key: 'ENT-1002',
        }),
      });
    expect((await ask(undefined, 'Confirm that the declared employer exists and is active')).status).toBe(401);
    const answered = await ask(socialSecurity, 'Confirm that the declared employer exists and is active');
    expect(await answered.json()).toMatchObject({
      found: true,
      record: { name: 'Northside Logistics', status: 'active' },
    });
    expect((await ask(socialSecurity, 'Find companies to sell insurance to')).status).toBe(403);
  });

  it('says when a service runs but does not answer, leaves it running, and says when it answers again', async () => {
    const web = stack.pids().web!;
    const seen = notices.length;
    // A held event loop, as a stopped process has: it runs, takes connections, and answers nothing.
    process.kill(web, 'SIGSTOP');
    try {
      await until('the pages said silent', () =>
        notices.slice(seen).some((n) => n.includes('[web] ERROR not answering')),
      );
      await new Promise((r) => setTimeout(r, 2_000));
    } finally {
      process.kill(web, 'SIGCONT');
    }
    await until('the pages said answering', () => notices.slice(seen).some((n) => n.includes('[web] answers again')));
    const said = notices.slice(seen).filter((n) => n.includes('[web]'));
    expect(said).toEqual([
      expect.stringMatching(
        new RegExp(
          `\\[web\\] ERROR not answering for \\d+ s \\(pid ${web}\\), though it runs: its event loop is held\\. It is left running, as it may only be busy, and started again if it is still silent after 25 s \\(\`kill ${web}\` does that now\\)$`,
        ),
      ),
      expect.stringMatching(/\[web\] answers again, after \d+ s without an answer$/),
    ]);
    expect(stack.pids().web).toBe(web);
    expect((await fetch(`http://127.0.0.1:${env.GOVMESH_WEB_PORT}/healthz`)).ok).toBe(true);
  }, 120_000);

  it('stops a service silent far longer than any of its work takes, and starts it again', async () => {
    const held = stack.pids().web!;
    const seen = notices.length;
    process.kill(held, 'SIGSTOP'); // never let go: only the supervisor can end this
    try {
      await until(
        'the pages started again',
        () => notices.slice(seen).some((n) => n.includes('[web] running again')),
        60_000,
      );
    } finally {
      if (alive(held)) process.kill(held, 'SIGCONT');
    }
    expect(alive(held)).toBe(false);
    expect(stack.pids().web).not.toBe(held);
    const said = notices.slice(seen).filter((n) => n.includes('[web]'));
    expect(said.slice(0, 2)).toEqual([
      expect.stringContaining(`[web] ERROR not answering for`),
      expect.stringMatching(
        new RegExp(`\\[web\\] WARN stopped \\(pid ${held}\\) after 2\\d s without an answer; starting it again$`),
      ),
    ]);
    expect(said.at(-1)).toContain('[web] running again');
    expect((await fetch(`http://127.0.0.1:${env.GOVMESH_WEB_PORT}/healthz`)).ok).toBe(true);
  }, 120_000);

  it('starts a service that died again', async () => {
    const before = stack.pids().worker!;
    process.kill(before, 'SIGKILL');
    await until('the worker started again', () => notices.some((n) => n.includes('[worker] running again')));
    const after = stack.pids().worker!;
    expect(after).not.toBe(before);
    expect(alive(after)).toBe(true);
    expect(notices.some((n) => n.includes('[worker] WARN exited with') && n.includes('starting it again'))).toBe(true);
  }, 120_000);

  /** Kills a service and holds its port (as a stray program would) the moment the port is free. */
  async function holdPortOf(pid: number, port: number): Promise<Server> {
    process.kill(pid, 'SIGKILL');
    return takePortOnceFree(port);
  }

  // Its new start can fail for a while (an engine it needs is starting again itself, a port is
  // still taken): the supervisor used to say FATAL once and leave the service down for good.
  it('tries again, a little later each time, to start a service whose new start failed', async () => {
    const seen = notices.length;
    const port = await holdPortOf(stack.pids().web!, Number(env.GOVMESH_WEB_PORT));
    try {
      await until('a failed start of the pages', () =>
        notices.slice(seen).some((n) => /\[web\] ERROR web exited with 1 while starting/.test(n)),
      );
    } finally {
      await new Promise((resolve) => port.close(resolve));
    }
    await until('the pages started again', () => notices.slice(seen).some((n) => n.includes('[web] running again')));
    expect(notices.slice(seen).filter((n) => n.includes('starting it again'))).toEqual([
      expect.stringMatching(/\[web\] WARN exited with (null|a signal); starting it again$/),
      expect.stringMatching(/\[web\] WARN failed to start; starting it again$/),
    ]);
    expect((await fetch(`http://127.0.0.1:${env.GOVMESH_WEB_PORT}/healthz`)).ok).toBe(true);
    expect(givenUp).toEqual([]);
  }, 120_000);

  // Last of the stack's tests: it leaves the pages down.
  it('gives up a service that keeps failing, and says so to whoever serves', async () => {
    const port = await holdPortOf(stack.pids().web!, Number(env.GOVMESH_WEB_PORT));
    try {
      await until('the pages given up', () => givenUp.length > 0, 150_000);
    } finally {
      await new Promise((resolve) => port.close(resolve));
    }
    expect(givenUp[0]).toMatchObject({
      code: 'SERVICE.KEEPS_EXITING',
      retriable: false,
      service: 'web',
      hint: `read why in ${join(dir, 'govmesh.log')}, then start govmesh again`,
    });
    expect(givenUp[0]!.message).toMatch(/^the web service exited 6 times within a minute; not starting it again$/);
    expect(notices.some((n) => /\[web\] FATAL failed to start 6 times in a minute; not restarting it/.test(n))).toBe(
      true,
    );
  }, 180_000);

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

  // A supervisor killed outright (SIGKILL, the kernel's OOM killer) takes its ends of the services'
  // output pipes with it: a service's last log lines then fail with EPIPE. pino's default stdout
  // retried them for ever in `process.exit`, and the pages and the API stayed up, deaf to SIGTERM.
  it('leaves no service running when its supervisor is killed outright, its output pipes with it', async () => {
    const supervisor = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { fork } from 'node:child_process';
         const child = fork(process.argv[1], [], { execArgv: [], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
         child.on('message', (m) => { if (m?.govmesh === 'ready') process.stdout.write(child.pid + '\\n'); });`,
        serviceProgram(root, 'web'),
      ],
      {
        cwd: root,
        env: { ...process.env, ...env, GOVMESH_WEB_PORT: String(await freePort()), GOVMESH_WEB_METRICS_PORT: '0' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const pid = await new Promise<number>((resolve, reject) => {
      supervisor.stdout.once('data', (line: Buffer) => resolve(Number(String(line).trim())));
      supervisor.once('exit', (code) => reject(new Error(`the test's supervisor exited with ${code}`)));
    });
    // Orphaned, it is the machine's init that reaps it: infra's check takes a zombie for stopped.
    const running = (): boolean => isAlive({ pid, marker: serviceProgram(root, 'web') });
    expect(running()).toBe(true);
    process.kill(supervisor.pid!, 'SIGKILL');
    try {
      await until('the pages stopped after their supervisor was killed', () => !running(), 30_000);
    } finally {
      if (running()) process.kill(pid, 'SIGKILL');
    }
  }, 120_000);
});
