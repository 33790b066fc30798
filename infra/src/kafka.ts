import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { PLATFORM_PRINCIPALS, saslOf, type KafkaCredentials, type KafkaTls } from '@govmesh/messaging';
import { Kafka, logLevel } from 'kafkajs';

import type { InfraConfig } from './config.js';
import {
  isAlive,
  isPortFree,
  runLogged,
  sleep,
  spawnEngine,
  tailOf,
  writePidRecord,
  type PidRecord,
} from './engine-process.js';
import { EngineNotReadyError, KafkaLayoutChanged, PortInUseError } from './errors.js';
import { adminSecretExists, platformCredentials } from './kafka-principals.js';
import type { Progress } from './progress.js';
import { fetchWithMaven } from './maven-fetch.js';
import { requireJava } from './toolchain.js';

const POM = join(dirname(fileURLToPath(import.meta.url)), '..', 'kafka', 'pom.xml');
const MARKER = 'kafka.Kafka';

function kafkaPaths(config: InfraConfig) {
  const home = join(config.cacheDir, 'kafka', config.kafka.version);
  const data = join(config.dataDir, 'kafka');
  return {
    libs: join(home, 'libs'),
    complete: join(home, 'libs', '.complete'),
    data,
    logDir: join(data, 'log'),
    properties: join(data, 'server.properties'),
    log4j: join(data, 'log4j2.properties'),
    logFile: join(config.dataDir, 'logs', 'kafka.log'),
    setupLog: join(config.dataDir, 'logs', 'kafka-setup.log'),
  };
}

/** One process of the embedded cluster: its id, its ports, where it keeps its data and log. */
export interface KafkaNode {
  readonly id: number;
  readonly port: number;
  readonly controllerPort: number;
  readonly data: string;
  readonly logDir: string;
  readonly properties: string;
  readonly logFile: string;
}

/**
 * The embedded cluster's nodes. One node keeps the folders it always had; three keep theirs apart
 * (`kafka-cluster/node-N`), so switching between the two never mixes their storage.
 */
export function kafkaNodes(config: InfraConfig): KafkaNode[] {
  const p = kafkaPaths(config);
  if (config.kafka.nodes === 1)
    return [
      {
        id: 1,
        port: config.kafka.port,
        controllerPort: config.kafka.controllerPort,
        data: p.data,
        logDir: p.logDir,
        properties: p.properties,
        logFile: p.logFile,
      },
    ];
  return Array.from({ length: config.kafka.nodes }, (_, i) => {
    const data = join(config.dataDir, 'kafka-cluster', `node-${i + 1}`);
    return {
      id: i + 1,
      port: config.kafka.port + 2 * i,
      controllerPort: config.kafka.controllerPort + 2 * i,
      data,
      logDir: join(data, 'log'),
      properties: join(data, 'server.properties'),
      logFile: join(config.dataDir, 'logs', `kafka-${i + 1}.log`),
    };
  });
}

/**
 * Refuses to run one broker in a data folder made with three, or three in one made with one. The
 * two keep separate storage, while the folder's cases (Temporal), partner registry and ledger are
 * shared: on the other Kafka the registered partners have no topics or users, and a case waits on a
 * task that was never there (`govmesh demo` ended in kafkajs's "This server does not host this
 * topic-partition"). Checked before anything is stopped or started.
 */
export function assertKafkaLayout(config: InfraConfig): void {
  const single = kafkaPaths(config);
  const three = kafkaNodes({ ...config, kafka: { ...config.kafka, nodes: 3 } });
  const found =
    config.kafka.nodes === 1
      ? three.some((n) => clusterIdOf(n.logDir) !== undefined) && dirname(three[0]!.data)
      : clusterIdOf(single.logDir) !== undefined && single.data;
  if (found) throw new KafkaLayoutChanged(config.dataDir, config.kafka.nodes, config.kafka.nodes === 1 ? 3 : 1, found);
}

/** Fetches the broker's jars through Maven once per version; later calls return at once. */
export async function prepareKafka(config: InfraConfig, progress: Progress): Promise<void> {
  const p = kafkaPaths(config);
  await requireJava(config.processEnv);
  if (existsSync(p.complete)) return;
  await fetchWithMaven(config, progress, {
    engine: 'kafka',
    message: `fetching Apache Kafka ${config.kafka.version} from Maven Central (first run only, ~1 min)`,
    folder: p.libs,
    logFile: p.setupLog,
    args: (staging) => [
      '-f',
      POM,
      `-Dkafka.version=${config.kafka.version}`,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${staging}`,
      '-DincludeScope=runtime',
    ],
  });
  writeFileSync(p.complete, `${new Date().toISOString()}\n`);
}

/**
 * One combined broker and controller. Clients reach the CLIENT listener with SASL/SCRAM-SHA-512;
 * the controller listener stays on loopback and takes only the admin (SASL/PLAIN against a secret
 * in this file, since SCRAM users live in the metadata the controller itself serves). Every request
 * is authorized by ACLs, and nothing is allowed that no ACL names.
 */
export function kafkaProperties(
  config: InfraConfig,
  logDir: string,
  adminSecret: string,
  keystoreFile?: string,
  security: KafkaSecurity = 'sasl',
  node: Pick<KafkaNode, 'id' | 'port' | 'controllerPort'> = kafkaNodes(config)[0]!,
): string {
  const { tls } = config.kafka;
  const { port, controllerPort } = node;
  const voters = kafkaNodes(config)
    .map((n) => `${n.id}@127.0.0.1:${n.controllerPort}`)
    .join(',');
  const client = tls ? 'SASL_SSL' : 'SASL_PLAINTEXT';
  if (security === 'none') {
    return [
      '# an unsecured broker, started only by the bench to measure what SASL costs; never by govmesh itself',
      'process.roles=broker,controller',
      `node.id=${node.id}`,
      `controller.quorum.voters=${voters}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      ...commonProperties(logDir, config.kafka.nodes),
    ].join('\n');
  }
  const admin = PLATFORM_PRINCIPALS.admin;
  const jaasString = (s: string): string => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  const secret = jaasString(adminSecret);
  return [
    '# written by govmesh infra on every start (mode 0600: it holds the admin secret); edit GOVMESH_KAFKA_* variables instead',
    'process.roles=broker,controller',
    `node.id=${node.id}`,
    `controller.quorum.voters=${voters}`,
    `listeners=CLIENT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=CLIENT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=CLIENT',
    `listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,CLIENT:${client}`,
    // With certificates configured, the client listener speaks TLS (PEM key and chain, PEM CA).
    ...(tls && keystoreFile
      ? [
          'ssl.keystore.type=PEM',
          `ssl.keystore.location=${keystoreFile}`,
          'ssl.truststore.type=PEM',
          `ssl.truststore.location=${tls.caFile}`,
        ]
      : []),
    'sasl.enabled.mechanisms=SCRAM-SHA-512',
    'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
    `listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${admin}" password="${secret}";`,
    'sasl.mechanism.controller.protocol=PLAIN',
    'listener.name.controller.sasl.enabled.mechanisms=PLAIN',
    `listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="${admin}" password="${secret}" user_${admin}="${secret}";`,
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    `super.users=User:${admin}`,
    'allow.everyone.if.no.acl.found=false',
    ...commonProperties(logDir, config.kafka.nodes),
  ].join('\n');
}

/** `sasl`: what govmesh always runs. `none`: a plaintext broker the bench starts beside it, to compare. */
export type KafkaSecurity = 'sasl' | 'none';

function commonProperties(logDir: string, nodes: number): string[] {
  // Three nodes: every partition on all three, and a write acknowledged (acks=all) once two have
  // it, so one broker can die without losing an acknowledged event or refusing writes.
  const replicas = nodes;
  const minIsr = nodes === 1 ? 1 : 2;
  return [
    `log.dirs=${logDir}`,
    'num.partitions=3',
    // govmesh creates every topic it uses, as production clusters require.
    'auto.create.topics.enable=false',
    `default.replication.factor=${replicas}`,
    `min.insync.replicas=${minIsr}`,
    `offsets.topic.replication.factor=${replicas}`,
    'offsets.topic.num.partitions=10',
    `transaction.state.log.replication.factor=${replicas}`,
    `transaction.state.log.min.isr=${minIsr}`,
    `share.coordinator.state.topic.replication.factor=${replicas}`,
    `share.coordinator.state.topic.min.isr=${minIsr}`,
    'group.initial.rebalance.delay.ms=0',
    // A replica that falls behind by this much leaves the in-sync set (the default is 30 s).
    ...(nodes > 1 ? ['replica.lag.time.max.ms=10000'] : []),
    '',
  ];
}

const LOG4J2 = [
  'status = warn',
  'appender.out.type = Console',
  'appender.out.name = STDOUT',
  'appender.out.layout.type = PatternLayout',
  'appender.out.layout.pattern = [%d] %p %m (%c)%n',
  'rootLogger.level = WARN',
  'rootLogger.appenderRef.out.ref = STDOUT',
  'logger.server.name = kafka.server',
  'logger.server.level = INFO',
  '',
].join('\n');

/** The cluster id a formatted node's storage carries, so that a node formatted later joins it. */
function clusterIdOf(logDir: string): string | undefined {
  const meta = join(logDir, 'meta.properties');
  if (!existsSync(meta)) return undefined;
  return /^cluster\.id=(.+)$/m.exec(readFileSync(meta, 'utf8'))?.[1]?.trim();
}

/**
 * Formats KRaft storage on the first start and runs the cluster's nodes: one combined broker and
 * controller, or three (`GOVMESH_KAFKA_NODES=3`). Returns the first node's record; every node has
 * a pid file of its own (`run/kafka.json`, `run/kafka-2.json`, …). `only` starts just those nodes
 * of the cluster (one that exited while the others run), with the cluster's id and properties.
 */
export async function startKafka(
  config: InfraConfig,
  progress: Progress,
  security: KafkaSecurity = 'sasl',
  only?: readonly number[],
): Promise<PidRecord> {
  const p = kafkaPaths(config);
  const cluster = kafkaNodes(config);
  const nodes = cluster.filter((n) => only === undefined || only.includes(n.id));
  for (const node of nodes) {
    for (const [port, variable] of [
      [node.port, 'GOVMESH_KAFKA_PORT'],
      [node.controllerPort, 'GOVMESH_KAFKA_CONTROLLER_PORT'],
    ] as const) {
      if (!(await isPortFree(port))) throw new PortInUseError('kafka', port, variable);
    }
  }
  if (
    security === 'sasl' &&
    config.kafka.nodes === 1 &&
    existsSync(join(p.logDir, 'meta.properties')) &&
    !adminSecretExists(config.dataDir)
  ) {
    // Formatted before govmesh secured its broker: no admin user exists in its metadata, and one
    // cannot be added to formatted storage. Keep the old data beside it and start afresh.
    const kept = `${p.data}.before-sasl-${Date.now()}`;
    renameSync(p.data, kept);
    progress({
      engine: 'kafka',
      message: `the Kafka data in ${p.data} predates SASL; moved to ${kept} and starting with new storage`,
    });
  }
  const admin = platformCredentials(config, 'admin');
  const tls = config.kafka.tls;
  const classpath = `${p.libs}/*`; // the JVM expands the wildcard itself
  // One cluster id for every node: the first formatted node's, else a new one.
  let clusterId = cluster.map((n) => clusterIdOf(n.logDir)).find((id) => id !== undefined);
  if (!clusterId) {
    // base64url may start with '-', which the storage tool would read as an option.
    clusterId = randomBytes(16).toString('base64url');
    while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
  }
  const records: PidRecord[] = [];
  for (const node of nodes) {
    mkdirSync(node.logDir, { recursive: true });
    const keystore = join(node.data, 'tls-keystore.pem');
    if (tls) {
      // Kafka's PEM keystore is one file: the private key (PKCS#8), then the certificate chain.
      writeFileSync(
        keystore,
        `${readFileSync(tls.keyFile, 'utf8').trim()}\n${readFileSync(tls.certFile, 'utf8').trim()}\n`,
        { mode: 0o600 },
      );
    }
    writeFileSync(
      node.properties,
      kafkaProperties(config, node.logDir, admin.password, tls ? keystore : undefined, security, node),
      { mode: 0o600 },
    );
    chmodSync(node.properties, 0o600);
    const log4j = join(node.data, 'log4j2.properties');
    writeFileSync(log4j, LOG4J2);
    const jvm = ['-Djava.awt.headless=true', `-Dlog4j2.configurationFile=${log4j}`, '-cp', classpath];

    if (!existsSync(join(node.logDir, 'meta.properties'))) {
      progress({ engine: 'kafka', message: `formatting KRaft storage in ${node.logDir} (cluster ${clusterId})` });
      // The admin's SCRAM credential is written into the bootstrap metadata (KIP-900): the only user
      // that exists before the broker first answers. The others are made through the admin API.
      const scram =
        security === 'sasl' ? ['--add-scram', `SCRAM-SHA-512=[name=${admin.username},password=${admin.password}]`] : [];
      await runLogged(
        'kafka',
        'java',
        [...jvm, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', node.properties, ...scram],
        { logFile: p.setupLog, env: config.processEnv },
      );
    }

    const heap = config.kafka.heap;
    const pid = spawnEngine(
      'java',
      [`-Xms${heap}`, `-Xmx${heap}`, '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', ...jvm, MARKER, node.properties],
      { logFile: node.logFile, cwd: node.data, env: config.processEnv },
    );
    const record: PidRecord = {
      engine: 'kafka',
      pid,
      address: cluster.length === 1 ? config.kafka.brokers.join(',') : `127.0.0.1:${node.port}`,
      logFile: node.logFile,
      startedAt: new Date().toISOString(),
      marker: MARKER,
      ...(cluster.length > 1 ? { node: node.id } : {}),
    };
    writePidRecord(config.dataDir, record);
    records.push(record);
    progress({
      engine: 'kafka',
      message: `started Kafka ${config.kafka.version}${cluster.length > 1 ? ` node ${node.id} of ${cluster.length}` : ''} (pid ${pid}), log in ${node.logFile}`,
    });
  }
  return records[0]!;
}

/**
 * Waits until the brokers answer a metadata request. `process`, when given, is watched so that
 * a broker that exits while starting fails at once with the end of its log.
 */
export async function waitForKafka(
  brokers: readonly string[],
  timeoutMs: number,
  process?: PidRecord,
  credentials?: KafkaCredentials,
  tls?: KafkaTls,
  /** The embedded cluster is ready when this many brokers registered (a topic needs all three). */
  brokerCount = 1,
): Promise<void> {
  const kafka = new Kafka({
    clientId: 'govmesh-infra',
    brokers: [...brokers],
    ...(credentials ? { sasl: saslOf(credentials) } : {}),
    ...(tls ? { ssl: { ...tls } } : {}),
    connectionTimeout: 1_000,
    requestTimeout: 2_000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (process && !isAlive(process)) {
      throw new EngineNotReadyError(
        'kafka',
        brokers.join(','),
        `Kafka exited while starting:\n${tailOf(process.logFile, 20)}`,
        `see ${process.logFile}`,
      );
    }
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length >= brokerCount) return;
      last = new Error(`${cluster.brokers.length} of ${brokerCount} brokers have joined the cluster`);
    } catch (err) {
      last = err;
      if (err instanceof Error && err.name === 'KafkaJSSASLAuthenticationError' && !process) {
        // A refused password stays refused: say so at once instead of retrying until the timeout.
        // (A broker govmesh just started may refuse for a moment while it loads its users.)
        throw new EngineNotReadyError(
          'kafka',
          brokers.join(','),
          `Kafka at ${brokers.join(',')} refused ${credentials ? `the principal ${credentials.username}` : 'an anonymous client'}: ${err.message}`,
          process
            ? `the embedded broker's admin secret is in its data folder (kafka/principals); if it was changed by hand, restore it or remove the data folder`
            : 'check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD and KAFKA_SASL_MECHANISM',
          err,
        );
      }
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await sleep(500);
  }
  throw new EngineNotReadyError(
    'kafka',
    brokers.join(','),
    `Kafka at ${brokers.join(',')} did not answer a metadata request within ${Math.round(timeoutMs / 1000)} s` +
      (last instanceof Error ? ` (last error: ${last.message})` : ''),
    process
      ? `see ${process.logFile}; a slow first start may need GOVMESH_READY_TIMEOUT_MS`
      : 'check KAFKA_BROKERS, or unset it to let govmesh start an embedded Kafka',
    last,
  );
}
