import { CaseClient } from '@govmesh/case-client';
import { KafkaPartnerRegistry } from '@govmesh/api';
import type { PartnerProfile } from '@govmesh/contracts/partner-profile';
import { DOMAIN_EVENTS, EVENT_SOURCES } from '@govmesh/contracts/domain-events';
import {
  DEAD_LETTER_TOPIC,
  EVENTS_TOPIC,
  PARTNERS_TOPIC,
  PARTNER_STANDINGS_TOPIC,
  resultTopic,
  taskTopic,
} from '@govmesh/contracts/topics';
import {
  CloudEventPublisher,
  ScramUserChangeRefused,
  ScramUsers,
  createKafka,
  partnerGroup,
  saslOf,
  type KafkaCredentials,
  type PartnerKafkaAccess,
} from '@govmesh/messaging';
import { PartnerAccessRefused, createPartner } from '@govmesh/partner-sdk';
import { Client, Connection } from '@temporalio/client';
import kafkajs, { type Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { engines, kafkaClient, platformPrincipal, signInAs, testDataConverter } from './engines.js';
import { startLedger, untilLedgered } from './ledger.js';
import { logger, runScoped } from './platform.js';

const { profiles, id } = runScoped(
  ['alpha', 'beta'].map((name) => ({
    id: name,
    name: `Trust ${name}`,
    capabilities: ['background-check@1'],
    terms: { 'background-check@1': { deadline: { hours: 1 }, capacity: 5 } },
    status: 'active' as const,
  })) satisfies PartnerProfile[],
);

/** A client that does not retry, so a refusal is seen as the broker's first answer. */
const clientOf = (credentials: KafkaCredentials | null, name: string): Kafka =>
  kafkaClient(`e2e-trust-${name}`, engines().kafkaBrokers, credentials);

/** What the broker answers when `credentials` sends one record to `topic`. */
async function produceAs(credentials: KafkaCredentials | null, topic: string): Promise<string> {
  const producer = clientOf(credentials, 'producer').producer({ allowAutoTopicCreation: false, retry: { retries: 1 } });
  try {
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        {
          key: 'forged',
          value: JSON.stringify({
            specversion: '1.0',
            type: DOMAIN_EVENTS.taskDispatched.type,
            source: '/govmesh/worker',
            id: 'forged',
          }),
        },
      ],
    });
    return 'accepted';
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

/**
 * What happens when `credentials` reads `topic` from the start in `groupId`: `read` when a record
 * arrives, else the error the consumer stopped with (kafkajs checks rights only once it joins and
 * fetches, not at subscribe).
 */
/**
 * The broker's answers while a group's coordinator is still being placed (a fresh broker creates
 * `__consumer_offsets` on the first group's request): not a refusal, so the read is tried again.
 */
const COORDINATOR_NOT_READY = /not the correct coordinator|coordinator is not available|coordinator load in progress/i;

async function readAs(
  credentials: KafkaCredentials | null,
  topic: string,
  groupId: string,
  waitMs = 15_000,
): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const answer = await readOnceAs(credentials, topic, groupId, waitMs);
    if (!COORDINATOR_NOT_READY.test(answer) || attempt === 10) return answer;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function readOnceAs(
  credentials: KafkaCredentials | null,
  topic: string,
  groupId: string,
  waitMs: number,
): Promise<string> {
  // kafkajs reports a refused group as "Failed to find group coordinator" and keeps the broker's
  // own answer in a debug line: collect those answers so the test sees what the broker said.
  const refusals = new Set<string>();
  const client = new kafkajs.Kafka({
    clientId: 'e2e-trust-consumer',
    brokers: engines().kafkaBrokers,
    logLevel: kafkajs.logLevel.DEBUG,
    ...(credentials ? { sasl: saslOf(credentials) } : {}),
    logCreator:
      () =>
      ({ log }) => {
        const type = (log as { error?: { type?: string } }).error?.type ?? (log as { type?: string }).type;
        if (type?.endsWith('_AUTHORIZATION_FAILED')) refusals.add(type);
      },
  });
  const consumer = client.consumer({ groupId, allowAutoTopicCreation: false, retry: { retries: 0 } });
  const described = (err: unknown) =>
    `${(err as Error).name}: ${(err as Error).message}${refusals.size ? ` [${[...refusals].join(', ')}]` : ''}`;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    return await new Promise<string>((resolve) => {
      const timer = setTimeout(() => resolve('nothing read'), waitMs);
      const done = (answer: string) => {
        clearTimeout(timer);
        resolve(answer);
      };
      consumer.on(consumer.events.CRASH, ({ payload }) => done(described(payload.error)));
      consumer.run({ eachMessage: () => Promise.resolve(done('read')) }).catch((err: unknown) => done(described(err)));
    });
  } catch (err) {
    return described(err);
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

const connectsAs = (credentials: KafkaCredentials | null) => signInAs(engines().kafkaBrokers, credentials);

/** The dead letter whose original message contains `marker`, read from the start of the topic. */
async function deadLetterWith(marker: string, timeoutMs = 20_000): Promise<{ topic: string; reasons: string[] }> {
  const consumer = kafkaClient('e2e-trust-dlq').consumer({ groupId: `e2e-trust-dlq-${marker}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [DEAD_LETTER_TOPIC], fromBeginning: true });
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no dead letter for ${marker} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      void consumer.run({
        eachMessage: ({ message }) => {
          const event = JSON.parse(message.value!.toString()) as {
            data: { topic: string; valueBase64: string; reasons: string[] };
          };
          if (Buffer.from(event.data.valueBase64, 'base64').toString().includes(marker)) {
            clearTimeout(timer);
            resolve(event.data);
          }
          return Promise.resolve();
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
}

const DENIED = /not authorized|authorization failed|_AUTHORIZATION_FAILED/i;
const BAD_PASSWORD = /^KafkaJSSASLAuthenticationError: .*(invalid credentials|authentication failed)/i;

describe('the trust boundary on the real broker (SASL/SCRAM, ACLs)', () => {
  let registry: KafkaPartnerRegistry;
  let apiKafka: Kafka;
  let publisher: CloudEventPublisher;
  let connection: Connection;
  const access = new Map<string, PartnerKafkaAccess>();

  beforeAll(async () => {
    // Onboarding as the API does it, as the API's own principal.
    const api = platformPrincipal('api');
    apiKafka = createKafka({ clientId: 'e2e-trust-api', brokers: engines().kafkaBrokers, logger, credentials: api });
    publisher = new CloudEventPublisher(apiKafka);
    connection = await Connection.connect({ address: engines().temporalAddress });
    registry = new KafkaPartnerRegistry({
      kafka: apiKafka,
      publisher,
      cases: new CaseClient(new Client({ connection, dataConverter: testDataConverter() })),
      logger,
      users: new ScramUsers(engines().kafkaBrokers, api),
      partnerBrokers: engines().kafkaBrokers,
    });
    for (const profile of profiles) access.set(profile.id, await registry.onboard(profile));
    // A task waits on each partner's topic, put there as the worker puts them.
    for (const profile of profiles)
      expect(await produceAs(platformPrincipal('worker'), taskTopic(profile.id))).toBe('accepted');
  });

  afterAll(async () => {
    for (const profile of profiles)
      await registry.changeStatus({ ...profile, status: 'terminated' }, 'end of the test run').catch(() => undefined);
    await publisher?.close();
    await connection?.close();
  });

  const alpha = () => access.get(id('alpha'))!;

  it('refuses an anonymous client', async () => {
    expect(await connectsAs(null)).not.toBe('connected');
    expect(await produceAs(null, taskTopic(id('beta')))).not.toBe('accepted');
  });

  it('answers onboarding with SCRAM credentials of the partner only', () => {
    expect(alpha()).toEqual({
      brokers: engines().kafkaBrokers,
      mechanism: 'scram-sha-512',
      username: `partner-${id('alpha')}`,
      password: expect.stringMatching(/^[\w-]{40,}$/) as unknown,
      tls: false,
    });
    expect(access.get(id('beta'))!.password).not.toBe(alpha().password);
  });

  it('lets a partner see its own topics and no other, read its tasks and write its results', async () => {
    const admin = clientOf(alpha(), 'describe').admin();
    await admin.connect();
    const visible = await admin.listTopics();
    await admin.disconnect();
    expect(visible.sort()).toEqual([resultTopic(id('alpha')), taskTopic(id('alpha'))].sort());
    expect(await readAs(alpha(), taskTopic(id('alpha')), partnerGroup(id('alpha')))).toBe('read');
    expect(await produceAs(alpha(), resultTopic(id('alpha')))).toBe('accepted');
  });

  it("refuses a partner another partner's tasks, results and consumer group, and the platform's topics", async () => {
    expect(await readAs(alpha(), taskTopic(id('beta')), partnerGroup(id('alpha')))).toMatch(
      /TOPIC_AUTHORIZATION_FAILED|not authorized to access topics/i,
    );
    expect(await readAs(alpha(), taskTopic(id('alpha')), partnerGroup(id('beta')))).toMatch(
      /GROUP_AUTHORIZATION_FAILED/,
    );
    expect(await produceAs(alpha(), resultTopic(id('beta')))).toMatch(DENIED);
    expect(await produceAs(alpha(), taskTopic(id('alpha')))).toMatch(DENIED);
    // A forged ledger event or registry entry is refused by the broker before it exists.
    expect(await produceAs(alpha(), EVENTS_TOPIC)).toMatch(DENIED);
    expect(await produceAs(alpha(), PARTNERS_TOPIC)).toMatch(DENIED);
    // Nor can a partner make itself top-scored: only the audit service writes the standings.
    expect(await produceAs(alpha(), PARTNER_STANDINGS_TOPIC)).toMatch(DENIED);
    expect(await readAs(alpha(), EVENTS_TOPIC, partnerGroup(id('alpha')))).toMatch(DENIED);
  });

  it('gives each platform component only its own part: the worker reads no results, the audit service writes no events', async () => {
    expect(
      await readAs(
        platformPrincipal('worker'),
        resultTopic(id('alpha')),
        `govmesh-registry-follower-e2e-${id('trust')}`,
      ),
    ).toMatch(/TOPIC_AUTHORIZATION_FAILED|not authorized to access topics/i);
    expect(await produceAs(platformPrincipal('audit'), EVENTS_TOPIC)).toMatch(DENIED);
    expect(await produceAs(platformPrincipal('audit'), taskTopic(id('alpha')))).toMatch(DENIED);
    expect(await produceAs(platformPrincipal('worker'), PARTNERS_TOPIC)).toMatch(DENIED);
    expect(await produceAs(platformPrincipal('worker'), taskTopic(id('alpha')))).toBe('accepted');
    // Partner standings come from the ledger's owner alone (its writes: the best-score test in audit-ledger).
    for (const component of ['worker', 'api', 'bridge'] as const)
      expect(await produceAs(platformPrincipal(component), PARTNER_STANDINGS_TOPIC)).toMatch(DENIED);
  });

  it('keeps out of the ledger an event from a component that may not emit it, and says why on the dead-letter topic', async () => {
    const ledger = await startLedger(
      createKafka({
        clientId: 'e2e-trust-ledger',
        brokers: engines().kafkaBrokers,
        logger,
        credentials: platformPrincipal('admin'),
      }),
      id('trust'),
    );
    // The bridge may write govmesh.events (it records refused results), but a dispatch is the worker's to record.
    const bridge = new CloudEventPublisher(
      createKafka({
        clientId: 'e2e-trust-bridge',
        brokers: engines().kafkaBrokers,
        logger,
        credentials: platformPrincipal('bridge'),
      }),
    );
    const worker = new CloudEventPublisher(
      createKafka({
        clientId: 'e2e-trust-worker',
        brokers: engines().kafkaBrokers,
        logger,
        credentials: platformPrincipal('worker'),
      }),
    );
    const caseId = `forged-${id('case')}`;
    try {
      await bridge.publish(EVENTS_TOPIC, caseId, {
        id: `${caseId}/forged-dispatch`,
        type: DOMAIN_EVENTS.taskDispatched.type,
        source: EVENT_SOURCES.bridge,
        subject: caseId,
        data: {
          correlationId: caseId,
          causationId: caseId,
          stepId: 'background-check',
          taskId: `${caseId}:background-check`,
          partnerId: id('alpha'),
          taskType: 'background-check@1',
          attempt: 1,
          deadline: new Date().toISOString(),
          sharedFields: [],
        },
      });
      await worker.publish(EVENTS_TOPIC, caseId, {
        id: `${caseId}/case/0/caseSubmitted/1`,
        type: DOMAIN_EVENTS.caseSubmitted.type,
        source: EVENT_SOURCES.worker,
        subject: caseId,
        data: { correlationId: caseId, causationId: caseId, serviceId: 'trust-test', serviceVersion: 1 },
      });
      const records = await untilLedgered(ledger.store, caseId, DOMAIN_EVENTS.caseSubmitted.type);
      expect(records.map((r) => r.type)).toEqual([DOMAIN_EVENTS.caseSubmitted.type]);
      const letter = await deadLetterWith(`${caseId}/forged-dispatch`);
      expect(letter.reasons).toEqual([
        `source: /govmesh/bridge may not emit ${DOMAIN_EVENTS.taskDispatched.type}; only /govmesh/worker does`,
      ]);
    } finally {
      await bridge.close();
      await worker.close();
      await ledger.stop();
    }
  });

  it('refuses to create a Kafka user for a partner, or for a process whose own password is wrong, and says which', async () => {
    // The broker owns its users: a partner's principal may not alter them (no cluster ALTER).
    const byPartner = await new ScramUsers(engines().kafkaBrokers, alpha())
      .upsert(`partner-${id('stray')}`, 'secret-of-nobody')
      .catch((e: unknown) => e);
    expect(byPartner).toBeInstanceOf(ScramUserChangeRefused);
    expect(byPartner).toMatchObject({ code: 'KAFKA.USER_CHANGE_REFUSED', retriable: false });
    expect((byPartner as Error).message).toBe(
      `Kafka refused to change the SASL user partner-${id('stray')}: this process's Kafka principal lacks the cluster's ALTER permission`,
    );
    // A wrong password of the process's own: not retriable, and not taken for a broker that is down.
    const api = platformPrincipal('api');
    const wrongPassword = await new ScramUsers(engines().kafkaBrokers, { ...api, password: 'not-its-password' })
      .upsert(`partner-${id('stray')}`, 'secret-of-nobody')
      .catch((e: unknown) => e);
    expect(wrongPassword).toBeInstanceOf(ScramUserChangeRefused);
    expect((wrongPassword as Error).message).toContain(
      `the broker refused this process's own sign-in as ${api.username} (check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD)`,
    );
  });

  it('stops the old password at once when the credentials are rotated', async () => {
    const before = access.get(id('beta'))!;
    const after = await registry.rotateCredentials(id('beta'));
    access.set(id('beta'), after);
    expect(after.password).not.toBe(before.password);
    expect(await connectsAs(before)).toMatch(BAD_PASSWORD);
    expect(await connectsAs(after)).toBe('connected');
  });

  it('tells a partner SDK with a wrong password so at once, naming the partner and the broker', async () => {
    const started = Date.now();
    const partner = createPartner({
      partnerId: id('alpha'),
      access: { ...alpha(), password: 'not-the-password' },
      logger,
      handlers: {},
    });
    const error = await partner.start().then(
      () => undefined,
      (err: unknown) => err,
    );
    await partner.stop().catch(() => undefined);
    expect(error).toBeInstanceOf(PartnerAccessRefused);
    expect((error as Error).message).toContain(`refused partner ${id('alpha')} (user partner-${id('alpha')})`);
    expect((error as Error).message).toContain(engines().kafkaBrokers.join(','));
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('refuses a terminated partner: its password no longer works and its ACLs are gone', async () => {
    const alphaProfile = profiles.find((p) => p.id === id('alpha'))!;
    expect(await connectsAs(alpha())).toBe('connected');
    await registry.changeStatus({ ...alphaProfile, status: 'terminated' }, 'contract ended');
    expect(await connectsAs(alpha())).toMatch(BAD_PASSWORD);
    const admin = kafkaClient('e2e-trust-acls').admin();
    await admin.connect();
    const { resources } = await admin.describeAcls({
      resourceType: kafkajs.AclResourceTypes.ANY,
      resourcePatternType: kafkajs.ResourcePatternTypes.ANY,
      principal: `User:partner-${id('alpha')}`,
      operation: kafkajs.AclOperationTypes.ANY,
      permissionType: kafkajs.AclPermissionTypes.ANY,
    });
    await admin.disconnect();
    expect(resources).toEqual([]);
  });
});
