import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  PLATFORM_PRINCIPALS,
  ScramUsers,
  applyAcls,
  createKafka,
  ensureTopics,
  newSecret,
  platformAclEntries,
  type KafkaCredentials,
  type PlatformComponent,
} from '@govmesh/messaging';
import { pino } from 'pino';

import type { InfraConfig } from './config.js';
import { InfraError } from './errors.js';

/** Where the embedded broker's secrets live: one file per principal, readable by this user only. */
export function principalsDir(dataDir: string): string {
  return join(dataDir, 'kafka', 'principals');
}

function secretFile(dataDir: string, principal: string): string {
  return join(principalsDir(dataDir), `${principal}.secret`);
}

/** True once the embedded broker's admin secret exists (its storage was formatted with SASL). */
export function adminSecretExists(dataDir: string): boolean {
  return existsSync(secretFile(dataDir, PLATFORM_PRINCIPALS.admin));
}

/** Reads a principal's secret, generating it (mode 0600) the first time it is asked for. */
function secretOf(dataDir: string, principal: string): string {
  const file = secretFile(dataDir, principal);
  if (!existsSync(file)) {
    mkdirSync(principalsDir(dataDir), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${newSecret()}\n`, { mode: 0o600 });
  }
  chmodSync(file, 0o600);
  return readFileSync(file, 'utf8').trim();
}

export class KafkaCredentialsMissing extends InfraError {
  constructor(component: PlatformComponent) {
    super(
      'INFRA.KAFKA_CREDENTIALS_MISSING',
      `no Kafka credentials for govmesh's ${component} principal on the cluster named by KAFKA_BROKERS`,
      {
        hint: 'set KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (and KAFKA_SASL_MECHANISM) to an admin principal of that cluster, or unset KAFKA_BROKERS for the embedded one',
      },
    );
  }
}

/**
 * The credentials of one of govmesh's own principals. Embedded: from the data folder (generated
 * on first use). External: the admin is whoever KAFKA_SASL_* names; the others must be given to
 * each process by its own KAFKA_SASL_* variables, so none is returned here.
 */
export function platformCredentials(config: InfraConfig, component: PlatformComponent): KafkaCredentials {
  if (config.kafka.mode === 'external') {
    if (component === 'admin' && config.kafka.credentials) return config.kafka.credentials;
    throw new KafkaCredentialsMissing(component);
  }
  return {
    mechanism: 'scram-sha-512',
    username: PLATFORM_PRINCIPALS[component],
    password: secretOf(config.dataDir, PLATFORM_PRINCIPALS[component]),
  };
}

/**
 * Writes the SCRAM users of govmesh's own principals, the admin's included, through the embedded
 * controller's listener, where the admin signs in with SASL/PLAIN against the secret in the broker's
 * configuration: that works even when the broker has lost its SCRAM users, which Kafka 4.4 was seen
 * to do on a restart (see ScramUsers.revoke), so every start repairs them. Waits for the controller
 * to listen, up to `timeoutMs`.
 */
export async function assertPlatformUsers(
  config: InfraConfig,
  timeoutMs: number,
  stillStarting: () => boolean = () => true,
): Promise<void> {
  const admin = platformCredentials(config, 'admin');
  // Any controller of the quorum: only the active one takes the change, so each is tried in turn.
  const controllers = Array.from(
    { length: config.kafka.nodes },
    (_, i) =>
      new ScramUsers([`127.0.0.1:${config.kafka.controllerPort + 2 * i}`], {
        mechanism: 'plain',
        username: admin.username,
        password: admin.password,
      }),
  );
  const deadline = Date.now() + timeoutMs;
  for (const component of Object.keys(PLATFORM_PRINCIPALS) as PlatformComponent[]) {
    for (;;) {
      try {
        await upsertOnAny(controllers, PLATFORM_PRINCIPALS[component], platformCredentials(config, component).password);
        break;
      } catch {
        // Not listening yet. A broker that died, or never listened, is reported by the readiness
        // wait that follows, with its log.
        if (Date.now() > deadline || !stillStarting()) return;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }
}

async function upsertOnAny(controllers: readonly ScramUsers[], user: string, password: string): Promise<void> {
  let last: unknown;
  for (const users of controllers) {
    try {
      await users.upsert(user, password);
      return;
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

/**
 * Makes the broker ready for govmesh: the ACL table and the platform's topics. Idempotent, so it
 * runs on every `up`, and a broker restored from an older data folder is brought up to date.
 */
export async function provisionEmbeddedKafka(config: InfraConfig): Promise<void> {
  const admin = platformCredentials(config, 'admin');
  const kafka = createKafka({
    clientId: 'govmesh-infra',
    brokers: config.kafka.brokers,
    credentials: admin,
    tls: config.kafka.clientTls,
    logger: pino({ level: 'silent' }),
  });
  const kafkaAdmin = kafka.admin();
  await kafkaAdmin.connect();
  try {
    await applyAcls(kafkaAdmin, platformAclEntries());
  } finally {
    await kafkaAdmin.disconnect();
  }
  await ensureTopics(kafka);
}
