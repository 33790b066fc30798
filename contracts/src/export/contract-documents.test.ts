import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { CloudEvent, type CloudEventV1 } from 'cloudevents';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { DomainEvent } from '../domain-events.js';
import { TaskResult, TaskTopicMessage } from '../task-messages.js';
import { DeadLetter } from '../dead-letter.js';
import { SEED_FORM_SCHEMAS, SEED_TASK_TYPE_PINS } from '../standards/seed-contracts.generated.js';
import { seedForms, seedTaskTypes } from '../standards/seed.js';
import { asyncApiDocument, exportedFiles } from './contract-documents.js';
import { SEED_CONTRACTS_MODULE_PATH, seedContractsModule } from './seed-contracts-module.js';
import { SAMPLE_MESSAGES } from './samples.js';

const schemasDir = fileURLToPath(new URL('../../schemas/', import.meta.url));
const examplesDir = fileURLToPath(new URL('../../../examples/', import.meta.url));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

function ajv(): Ajv2020 {
  const instance = new Ajv2020({ allErrors: true, strict: false });
  (addFormats as unknown as (a: Ajv2020) => void)(instance);
  return instance;
}
const readJson = (path: string): unknown => JSON.parse(readFileSync(join(schemasDir, path), 'utf8'));

describe('the exported contracts in contracts/schemas/', () => {
  it('are up to date with the zod schemas (run `npm run contracts:export` when this fails)', () => {
    const expected = exportedFiles();
    expect(filesUnder(schemasDir)).toEqual(Object.keys(expected).sort());
    for (const [path, content] of Object.entries(expected)) {
      expect(readFileSync(join(schemasDir, path), 'utf8'), `${path} is stale`).toBe(content);
    }
  });

  it('include the seed catalogue as data the workflow reads without zod, up to date (`npm run contracts:export`)', () => {
    const file = fileURLToPath(new URL(`../../${SEED_CONTRACTS_MODULE_PATH}`, import.meta.url));
    expect(readFileSync(file, 'utf8'), `${SEED_CONTRACTS_MODULE_PATH} is stale`).toBe(seedContractsModule());
    // What a case started before pinning validates against: the seed's schemas, every one.
    for (const t of seedTaskTypes())
      expect(SEED_TASK_TYPE_PINS[`${t.name}@${t.major}`], t.name).toMatchObject({ input: t.input, output: t.output });
    for (const f of seedForms()) expect(SEED_FORM_SCHEMAS[`${f.name}@${f.major}`], f.name).toEqual(f.schema);
  });

  it('compile as JSON Schema 2020-12 with ajv, and accept every sample message', () => {
    const validator = ajv();
    const files = filesUnder(join(schemasDir, 'json-schema'));
    for (const file of files)
      expect(() => validator.compile(readJson(`json-schema/${file}`) as object), file).not.toThrow();
    for (const [type, sample] of Object.entries(SAMPLE_MESSAGES)) {
      const validate = validator.compile(readJson(`json-schema/messages/${type}.json`) as object);
      expect(validate(sample), `${type}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it('let a partner in any language find the mistake in a bad result, with the path', () => {
    const validate = ajv().compile(readJson('json-schema/messages/gov.govmesh.task.result.v1.json') as object);
    const bad = {
      ...SAMPLE_MESSAGES['gov.govmesh.task.result.v1'],
      data: { taskId: 't', attempt: 0, outcome: 'completed', output: {} },
    };
    expect(validate(bad)).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath)).toContain('/data/attempt');
  });

  it('validate the example service definitions as JSON Schema too', () => {
    const validate = ajv().compile(readJson('json-schema/service-definition.json') as object);
    for (const file of readdirSync(examplesDir).filter((f) => f.endsWith('.yaml'))) {
      const definition: unknown = parse(readFileSync(join(examplesDir, file), 'utf8'));
      expect(validate(definition), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it('form an AsyncAPI 3 document that the official parser accepts', async () => {
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(asyncApiDocument()));
    const errors = diagnostics.filter((d) => (d.severity as number) === (DiagnosticSeverity.Error as number));
    expect(errors.map((e) => `${e.path.join('.')}: ${e.message}`)).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    const addresses = document
      ?.channels()
      .all()
      .map((c) => c.address())
      .sort();
    expect(addresses).toEqual([
      'govmesh.dlq',
      'govmesh.events',
      'govmesh.results.{partnerId}',
      'govmesh.tasks.{partnerId}',
    ]);
    expect(
      document
        ?.operations()
        .all()
        .map((o) => `${o.action()} ${o.id()}`)
        .sort(),
    ).toEqual(['receive receiveResult', 'send recordDomainEvent', 'send sendDeadLetter', 'send sendTask']);
  });
});

describe('sample messages', () => {
  it.each(Object.keys(SAMPLE_MESSAGES))('%s is a valid CloudEvent for the official SDK and for our schema', (type) => {
    const sample = SAMPLE_MESSAGES[type as keyof typeof SAMPLE_MESSAGES];
    const event = new CloudEvent<unknown>(JSON.parse(JSON.stringify(sample)) as CloudEventV1<unknown>);
    expect(event.validate()).toBe(true);
    expect(event.type).toBe(type);
    const ours = [TaskTopicMessage, TaskResult, DeadLetter, DomainEvent].some((s) => s.safeParse(sample).success);
    expect(ours).toBe(true);
  });

  it('a message without a source is refused by the official SDK and by our schema', () => {
    const { source: _source, ...broken } = SAMPLE_MESSAGES['gov.govmesh.task.result.v1'];
    expect(() => new CloudEvent(broken as never).validate()).toThrow(/invalid payload/);
    expect(TaskResult.safeParse(broken).success).toBe(false);
    // The SDK lets an unknown specversion through; our schema does not.
    expect(TaskResult.safeParse({ ...SAMPLE_MESSAGES['gov.govmesh.task.result.v1'], specversion: '0.9' }).success).toBe(
      false,
    );
  });
});
