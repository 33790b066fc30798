import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';

import { ContractsUnavailable, createPartner, partnerLogger } from './partner.js';

/**
 * The partner reads the contracts of the task types it handles from the registry before it takes
 * any task: a registry that cannot say what a task type is stops the start, with the reason.
 * (Taking tasks needs the broker: test/src/standards.test.ts and the demo do that.)
 */
describe('a partner and the contract registry', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  const registry = async (status: number): Promise<string> => {
    server = createServer((req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(status === 200 ? { ref: 'x@1' } : { code: 'NOT_FOUND' }));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  const partnerOf = (registryUrl: string) =>
    createPartner({
      partnerId: 'lab-co',
      brokers: ['127.0.0.1:9'],
      registryUrl,
      logger: pino({ level: 'silent' }),
      handlers: { 'water-analysis@1': () => Promise.resolve({}) },
    });

  it('refuses to start when the registry does not know a task type it handles', async () => {
    const url = await registry(404);
    const failure = await partnerOf(url)
      .start()
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ContractsUnavailable);
    expect(failure).toMatchObject({ code: 'PARTNER.CONTRACTS_UNAVAILABLE', retriable: true });
    expect((failure as Error).message).toBe(
      `could not read the contract of water-analysis@1 from the registry at ${url}/v1/task-types/water-analysis/1: HTTP 404`,
    );
  });

  it('refuses to start when the registry answers without an input schema, or not at all', async () => {
    const url = await registry(200);
    await expect(partnerOf(url).start()).rejects.toThrow(/the answer has no input schema/);
    await expect(partnerOf('http://127.0.0.1:9').start()).rejects.toThrow(
      /could not read the contract of water-analysis@1 from the registry at http:\/\/127\.0\.0\.1:9\//,
    );
  });
});

describe("a partner's default logger", () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  const lines = (file: string) =>
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('replaces what a task type read from the registry marks personal or sensitive, as a handler logs it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'govmesh-partner-log-')), 'partner.log');
    const logger = partnerLogger({ destination: file });
    // A task type only the registry knows: the passport number is personal, its output's note sensitive.
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          input: {
            type: 'object',
            properties: {
              traveller: {
                type: 'object',
                properties: { passportNumber: { type: 'string', 'x-govmesh-classification': 'personal' } },
              },
            },
          },
          output: {
            type: 'object',
            properties: { note: { type: 'string', 'x-govmesh-classification': 'sensitive' } },
          },
        }),
      );
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const before = { input: { traveller: { passportNumber: 'X1234567' } }, output: { note: 'seen at the border' } };
    logger.info(before, 'before the registry was read');
    const partner = createPartner({
      partnerId: 'border-co',
      // The contracts are read before the broker is asked; nobody answers here, at once.
      kafka: new Kafka({ brokers: ['127.0.0.1:9'], retry: { retries: 0 }, logLevel: logLevel.NOTHING }),
      registryUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      logger,
      handlers: { 'border-check@1': () => Promise.resolve({}) },
    });
    await expect(partner.start()).rejects.toThrow();
    logger.info(before, 'after');
    const [first, , last] = lines(file);
    expect(first).toMatchObject(before);
    expect(last).toMatchObject({
      input: { traveller: { passportNumber: '[personal]' } },
      output: { note: '[sensitive]' },
    });
    expect(readFileSync(file, 'utf8').split('X1234567')).toHaveLength(2); // only in the line before
  });
});
