import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';

import { ContractsUnavailable, createPartner } from './partner.js';

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
