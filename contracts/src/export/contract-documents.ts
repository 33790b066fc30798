import { z } from 'zod';

import { AuditCheckpoint, AuditRecord, LedgerExportHeader } from '../audit-record.js';
import { DeadLetter, DEAD_LETTER } from '../dead-letter.js';
import { DOMAIN_EVENTS, domainEventEnvelope, type DomainEventKind } from '../domain-events.js';
import { toJsonSchema, type JsonSchema } from '../json-schema.js';
import { PartnerProfile } from '../partner-profile.js';
import { PartnerScorecard, ServiceTransparency } from '../partner-scorecard.js';
import { ServiceDefinition } from '../service-definition.js';
import {
  TaskAssigned,
  TaskRejected,
  TaskResult,
  TaskRevoked,
  TASK_ASSIGNED,
  TASK_REJECTED,
  TASK_RESULT,
  TASK_REVOKED,
} from '../task-messages.js';
import { seedForms, seedTaskTypes } from '../standards/seed.js';
import { DEAD_LETTER_TOPIC, EVENTS_TOPIC } from '../topics.js';
import { SAMPLE_MESSAGES } from './samples.js';

/** Every message on the wire: its CloudEvent type, a component name, a title and its envelope schema. */
function messages(): Array<{
  type: string;
  name: string;
  title: string;
  schema: z.ZodType;
  channel: 'tasks' | 'results' | 'events' | 'dlq';
}> {
  return [
    {
      type: TASK_ASSIGNED,
      name: 'taskAssigned',
      title: 'A task for the partner',
      schema: TaskAssigned,
      channel: 'tasks',
    },
    {
      type: TASK_REVOKED,
      name: 'taskRevoked',
      title: 'A task taken back from the partner',
      schema: TaskRevoked,
      channel: 'tasks',
    },
    {
      type: TASK_REJECTED,
      name: 'taskRejected',
      title: "The partner's result was refused",
      schema: TaskRejected,
      channel: 'tasks',
    },
    { type: TASK_RESULT, name: 'taskResult', title: "The partner's result", schema: TaskResult, channel: 'results' },
    ...(Object.keys(DOMAIN_EVENTS) as DomainEventKind[]).map((kind) => ({
      type: DOMAIN_EVENTS[kind].type,
      name: kind,
      title: `Domain event ${DOMAIN_EVENTS[kind].type}`,
      schema: domainEventEnvelope(kind),
      channel: 'events' as const,
    })),
    {
      type: DEAD_LETTER,
      name: 'deadLetter',
      title: 'A message that could not be parsed, and why',
      schema: DeadLetter,
      channel: 'dlq',
    },
  ];
}

/** File name (under `schemas/json-schema/`) → JSON Schema 2020-12, for every contract. */
export function jsonSchemaFiles(): Record<string, JsonSchema> {
  const files: Record<string, JsonSchema> = {};
  for (const m of messages()) files[`messages/${m.type}.json`] = toJsonSchema(m.schema);
  // The seed catalogue's snapshot; the registry's live catalogue is served by the API.
  for (const t of seedTaskTypes()) {
    files[`task-types/${t.name}@${t.major}.input.json`] = t.input;
    files[`task-types/${t.name}@${t.major}.output.json`] = t.output;
  }
  for (const f of seedForms()) files[`applications/${f.name}@${f.major}.json`] = f.schema;
  files['service-definition.json'] = toJsonSchema(ServiceDefinition);
  files['partner-profile.json'] = toJsonSchema(PartnerProfile);
  files['audit/record.json'] = toJsonSchema(AuditRecord);
  files['partner-scorecard.json'] = toJsonSchema(PartnerScorecard);
  files['service-transparency.json'] = toJsonSchema(ServiceTransparency);
  files['audit/checkpoint.json'] = toJsonSchema(AuditCheckpoint);
  files['audit/export-header.json'] = toJsonSchema(LedgerExportHeader);
  return files;
}

function draft7(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-7',
    io: 'input',
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}

const CONTENT_TYPE = 'application/cloudevents+json; charset=UTF-8';

/** A published task type, as the AsyncAPI document lists it. */
export interface DocumentedTaskType {
  readonly name: string;
  readonly major: number;
  readonly revision: number;
  readonly title: string;
  readonly input: JsonSchema;
  readonly output: JsonSchema;
  readonly deprecation?: { readonly replacedBy: string; readonly sunset: string };
}

/** AsyncAPI's schema format is a superset of draft 7: the 2020-12 dialect marker goes, the keywords govmesh allows stay. */
function withoutDialect(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

/** Each task type's input and output as component schemas, named `<name>.v<major>.input|output`. */
function taskTypeSchemas(taskTypes: readonly DocumentedTaskType[]): Record<string, JsonSchema> {
  return Object.fromEntries(
    taskTypes.flatMap((t) => {
      const about = `${t.title} (${t.name}@${t.major}, revision ${t.revision}${t.deprecation ? `; deprecated, served until ${t.deprecation.sunset}, replaced by ${t.deprecation.replacedBy}` : ''})`;
      return [
        [
          `${t.name}.v${t.major}.input`,
          { ...withoutDialect(t.input), description: `task.assigned data.input of ${about}` },
        ],
        [
          `${t.name}.v${t.major}.output`,
          { ...withoutDialect(t.output), description: `task.result data.output of ${about}` },
        ],
      ];
    }),
  );
}

/**
 * The AsyncAPI 3 document for govmesh's topics and messages; with the registry's task types, each
 * one's input and output schema too (the API serves that one live, the checked-in file has the seed's).
 */
export function asyncApiDocument(
  taskTypes: readonly DocumentedTaskType[] = seedTaskTypes().map((t) => ({ ...t, revision: 1 })),
): Record<string, unknown> {
  const all = messages();
  const refs = (channel: string) =>
    Object.fromEntries(
      all.filter((m) => m.channel === channel).map((m) => [m.name, { $ref: `#/components/messages/${m.name}` }]),
    );
  const opMessages = (channelKey: string, channel: string) =>
    all.filter((m) => m.channel === channel).map((m) => ({ $ref: `#/channels/${channelKey}/messages/${m.name}` }));
  const partnerId = {
    description: 'The partner organisation, e.g. acme-checks (lower-case letters, digits and dashes).',
  };
  const samples = SAMPLE_MESSAGES as Record<string, unknown>;
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'govmesh partner and audit messaging',
      version: '1.0.0',
      description:
        "Tasks go to a partner on its own task topic and results come back on its own result topic; a result's author is the topic it came on. " +
        'Every message is a CloudEvents 1.0 structured-mode JSON object. Domain events form the audit ledger; unparseable messages go to the dead-letter topic.',
    },
    defaultContentType: CONTENT_TYPE,
    servers: {
      embedded: {
        host: '127.0.0.1:19092',
        protocol: 'kafka',
        description:
          'The embedded Kafka that `govmesh infra up` starts. Every client signs in with SASL/SCRAM-SHA-512 (security.protocol SASL_PLAINTEXT on loopback): ' +
          'a partner as `partner-<partnerId>` with the password its onboarding answered, consuming in the group `govmesh-partner-<partnerId>`. ' +
          'Its ACLs let it read its task topic and write its result topic, nothing else.',
        security: [{ $ref: '#/components/securitySchemes/scramSha512' }],
      },
    },
    channels: {
      partnerTasks: {
        address: 'govmesh.tasks.{partnerId}',
        title: "A partner's task topic",
        parameters: { partnerId },
        messages: refs('tasks'),
      },
      partnerResults: {
        address: 'govmesh.results.{partnerId}',
        title: "A partner's result topic",
        parameters: { partnerId },
        messages: refs('results'),
      },
      domainEvents: { address: EVENTS_TOPIC, title: 'The audit ledger', messages: refs('events') },
      deadLetters: { address: DEAD_LETTER_TOPIC, title: 'Dead letters', messages: refs('dlq') },
    },
    operations: {
      sendTask: {
        action: 'send',
        title: 'govmesh sends tasks, revocations and rejections to a partner',
        channel: { $ref: '#/channels/partnerTasks' },
        messages: opMessages('partnerTasks', 'tasks'),
      },
      receiveResult: {
        action: 'receive',
        title: "govmesh receives a partner's results",
        channel: { $ref: '#/channels/partnerResults' },
        messages: opMessages('partnerResults', 'results'),
      },
      recordDomainEvent: {
        action: 'send',
        title: 'govmesh records every state change of a case',
        channel: { $ref: '#/channels/domainEvents' },
        messages: opMessages('domainEvents', 'events'),
      },
      sendDeadLetter: {
        action: 'send',
        title: 'govmesh keeps what it could not parse',
        channel: { $ref: '#/channels/deadLetters' },
        messages: opMessages('deadLetters', 'dlq'),
      },
    },
    components: {
      schemas: taskTypeSchemas(taskTypes),
      securitySchemes: {
        scramSha512: {
          type: 'scramSha512',
          description:
            'Credentials from partner onboarding (`POST /v1/partners` answers `kafka: { brokers, mechanism, username, password }` once); `POST /v1/partners/{id}/credentials` rotates them.',
        },
      },
      messages: Object.fromEntries(
        all.map((m) => [
          m.name,
          {
            name: m.name,
            title: m.title,
            summary: m.type,
            contentType: CONTENT_TYPE,
            payload: draft7(m.schema),
            ...(samples[m.type] ? { examples: [{ name: 'sample', payload: samples[m.type] }] } : {}),
          },
        ]),
      ),
    },
  };
}

/** Everything `npm run contracts:export` writes, by path under `contracts/schemas/`. */
export function exportedFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, schema] of Object.entries(jsonSchemaFiles()))
    out[`json-schema/${name}`] = `${JSON.stringify(schema, null, 2)}\n`;
  for (const [type, sample] of Object.entries(SAMPLE_MESSAGES))
    out[`samples/${type}.json`] = `${JSON.stringify(sample, null, 2)}\n`;
  out['asyncapi.json'] = `${JSON.stringify(asyncApiDocument(), null, 2)}\n`;
  return out;
}
