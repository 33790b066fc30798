import { mkdtempSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { caseDataConverter, loadCaseDataKeys } from '@govmesh/case-client';
import type { DataConverter } from '@temporalio/common';

import {
  engineTitle,
  loadInfraConfig,
  loadInfraConfigWith,
  platformCredentials,
  type EngineStatus,
  type InfraConfig,
} from '@govmesh/infra';
import {
  credentialsEnv,
  saslOf,
  type KafkaCredentials,
  type KafkaTls,
  type PlatformComponent,
} from '@govmesh/messaging';
import { Kafka, logLevel } from 'kafkajs';
import { inject } from 'vitest';

/** Addresses of the engines the global setup brought up. */
export function engines(): { kafkaBrokers: string[]; temporalAddress: string } {
  const infra = inject('infra');
  return { kafkaBrokers: infra.kafka.address.split(','), temporalAddress: infra.temporal.address };
}

/**
 * The case data keys of this test file: every client and worker it runs in process, and every
 * service it spawns (`caseKeysEnv`), seal and open case data with the same keyring, as one
 * deployment's processes do.
 */
const CASE_KEYS_FILE = join(mkdtempSync(join(tmpdir(), 'govmesh-e2e-keys-')), 'case-keys.json');

export function caseKeysEnv(): Record<string, string> {
  return { GOVMESH_CASE_KEYS_FILE: CASE_KEYS_FILE };
}

export function testDataConverter(): DataConverter {
  return caseDataConverter(loadCaseDataKeys({ file: CASE_KEYS_FILE }));
}

/**
 * The credentials of one of govmesh's principals on the suite's broker. The harness itself plays
 * the platform's part (it creates topics, reads the ledger) as the admin; a test that starts a
 * service process gives it that service's own principal, as `govmesh up` does.
 */
export function platformPrincipal(component: PlatformComponent): KafkaCredentials {
  return platformCredentials(loadInfraConfig(), component);
}

/** The environment that makes a spawned service authenticate as itself. */
export function principalEnv(component: PlatformComponent): Record<string, string> {
  return credentialsEnv(platformPrincipal(component));
}

/**
 * A kafkajs client that gives up within seconds, so a dead broker fails a test instead of
 * hanging it in kafkajs's default retry schedule. The admin's, unless other credentials are given.
 */
export function kafkaClient(
  clientId: string,
  brokers: string[] = engines().kafkaBrokers,
  credentials: KafkaCredentials | null = platformPrincipal('admin'),
): Kafka {
  return new Kafka({
    clientId,
    brokers,
    ...(credentials ? { sasl: saslOf(credentials) } : {}),
    connectionTimeout: 2_000,
    requestTimeout: 10_000,
    retry: { retries: 4, initialRetryTime: 200, maxRetryTime: 2_000 },
    logLevel: logLevel.NOTHING,
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, but another user's.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether a killed process is gone within `timeoutMs`. `kill` returns before the kernel has torn
 * the process down: a JVM's listening socket still completes connections for some milliseconds
 * after SIGKILL, while the kernel frees its heap (files are closed after the memory).
 */
export async function untilExited(pid: number, timeoutMs = 10_000): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; processAlive(pid); await new Promise((r) => setTimeout(r, 25)))
    if (Date.now() > deadline) return false;
  return true;
}

function answers(address: string, timeoutMs: number): Promise<boolean> {
  const [host = '127.0.0.1', port = '0'] = address.split(',')[0]?.split(':') ?? [];
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port), timeout: timeoutMs });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/** Fails, naming the engine, its pid and log, when it no longer accepts connections. */
export async function assertEngineAnswers(status: EngineStatus): Promise<void> {
  // An embedded engine whose process is gone has stopped, whatever now holds its port (seen once in
  // CI: right after the broker was killed, its port answered a connection).
  const exited = status.mode === 'embedded' && status.pid !== undefined && !processAlive(status.pid);
  if (!exited && (await answers(status.address, 2_000))) return;
  const where = status.mode === 'embedded' ? ` (pid ${status.pid ?? '?'}, log ${status.logFile ?? '?'})` : '';
  throw new Error(`${engineTitle(status.engine)} at ${status.address} stopped answering during the suite${where}`);
}

/**
 * A broker of one test's own: its data folder and ports, a small heap, never the suite's (which
 * KAFKA_BROKERS names, and which must stay up). `extra` adds settings (TLS files, say).
 */
export async function privateKafkaConfig(
  dataDir: string,
  extra: Record<string, string | undefined> = {},
): Promise<InfraConfig> {
  return loadInfraConfigWith({
    KAFKA_BROKERS: undefined,
    GOVMESH_DATA_DIR: dataDir,
    GOVMESH_KAFKA_PORT: String(await freePort()),
    GOVMESH_KAFKA_CONTROLLER_PORT: String(await freePort()),
    GOVMESH_KAFKA_HEAP: '256m',
    ...extra,
  });
}

/** The settings of a Temporal dev server of one test's own: its data folder and ports. */
export async function privateTemporalEnv(dataDir: string): Promise<Record<string, string>> {
  return {
    GOVMESH_DATA_DIR: dataDir,
    GOVMESH_TEMPORAL_PORT: String(await freePort()),
    GOVMESH_TEMPORAL_UI_PORT: String(await freePort()),
    GOVMESH_TEMPORAL_HTTP_PORT: String(await freePort()),
    GOVMESH_TEMPORAL_METRICS_PORT: String(await freePort()),
  };
}

/**
 * The environment of a whole govmesh (`govmesh up` or `govmesh demo`) of one test's own on the
 * suite's engines: its own data folder, ports, databases, consumer groups and task queue, the
 * processes acting as the suite broker's admin (to them it is an existing cluster).
 */
export async function isolatedStackEnv(dir: string, name: string, suffix: string): Promise<Record<string, string>> {
  const { kafkaBrokers, temporalAddress } = engines();
  return {
    KAFKA_BROKERS: kafkaBrokers.join(','),
    TEMPORAL_ADDRESS: temporalAddress,
    GOVMESH_DATA_DIR: dir,
    ...principalEnv('admin'),
    GOVMESH_API_PORT: String(await freePort()),
    GOVMESH_WEB_PORT: String(await freePort()),
    GOVMESH_WEB_METRICS_PORT: String(await freePort()),
    GOVMESH_REGISTRY_PORT: String(await freePort()),
    GOVMESH_API_DB: join(dir, 'api.sqlite'),
    GOVMESH_AUDIT_URL: `http://127.0.0.1:${await freePort()}`,
    GOVMESH_WORKER_METRICS_PORT: String(await freePort()),
    GOVMESH_WORKER_SDK_METRICS_PORT: String(await freePort()),
    GOVMESH_BRIDGE_METRICS_PORT: String(await freePort()),
    GOVMESH_AUDIT_DB: join(dir, 'ledger.sqlite'),
    GOVMESH_AUDIT_SIGNING_KEY_FILE: join(dir, 'key.pem'),
    GOVMESH_AUDIT_GROUP: `govmesh-audit-e2e-${name}-${suffix}`,
    GOVMESH_CASE_TASK_QUEUE: `e2e-${name}-${suffix}`,
    GOVMESH_DEMO_PARTNER_SUFFIX: suffix,
  };
}

/**
 * Listens on `port` (as a stray program would) the moment it is free: right after the process that
 * held it was killed, before its supervisor or watch starts it again.
 */
export async function takePortOnceFree(port: number): Promise<Server> {
  for (;;) {
    const server = createServer();
    const held = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(true));
    });
    if (held) return server;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A free port below Linux's ephemeral range (32768 and up). A port the OS handed out could be handed
 * out again once the killed broker lets go of it: to another test's listener (the demo test's API
 * once answered on it) or as a client's source port, and the dead broker would seem to answer.
 * Never one this process handed out before: a port is chosen well before its service binds it,
 * and a later choice would find it free (the demo's web metrics and a broker once got the same).
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    if (!handedOut.has(port) && (await isFree(port))) {
      handedOut.add(port);
      return port;
    }
  }
}

/** The first of `count` free ports in a row (an even one), below the ephemeral range, none handed out before. */
export async function freePortsInRow(count: number): Promise<number> {
  for (;;) {
    const base = 20_000 + 2 * Math.floor(Math.random() * 5_000);
    const ports = Array.from({ length: count }, (_, i) => base + i);
    if (ports.some((p) => handedOut.has(p))) continue;
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) {
      for (const p of ports) handedOut.add(p);
      return base;
    }
  }
}

const handedOut = new Set<number>();

function isFree(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const server = createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * What the broker answers when `credentials` sign in and list topics: `connected`, or the error's
 * name and message. No retries, so a refusal is the broker's first answer.
 */
export async function signInAs(
  brokers: readonly string[],
  credentials: KafkaCredentials | null,
  tls?: KafkaTls,
): Promise<string> {
  const admin = new Kafka({
    clientId: 'e2e-sign-in',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    retry: { retries: 0 },
    ...(credentials ? { sasl: saslOf(credentials) } : {}),
    ...(tls ? { ssl: { ...tls } } : {}),
  }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return 'connected';
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
