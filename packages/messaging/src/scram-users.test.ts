import net from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { KafkaUnreachable } from './kafka-admin.js';
import { ScramUsers } from './scram-users.js';

const admin = { mechanism: 'scram-sha-512', username: 'govmesh-api', password: 'not-used' } as const;

describe('ScramUsers against a broker that does not answer', () => {
  let silent: net.Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (silent ? silent.close(() => resolve()) : resolve())));

  it('gives up at its deadline with a retriable KafkaUnreachable, naming the user and the broker', async () => {
    // A listener that takes the connection and never says a word: the SASL exchange would wait for ever.
    const ended: boolean[] = [];
    silent = net.createServer((socket) => {
      const i = ended.push(false) - 1;
      socket.on('end', () => (ended[i] = true)).resume();
    });
    await new Promise<void>((resolve) => silent!.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const users = new ScramUsers([`127.0.0.1:${port}`], admin, undefined, { answerWithinMs: 300 });
    const started = Date.now();
    const err = await users.upsert('partner-acme', 'secret').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaUnreachable);
    expect((err as KafkaUnreachable).retriable).toBe(true);
    expect((err as Error).message).toMatch(
      new RegExp(
        `change the SASL user partner-acme.*the broker at 127\\.0\\.0\\.1:${port} did not answer within 0\\.3 s`,
      ),
    );
    // The deadline, and a moment to drop the connection the broker never closed.
    expect(Date.now() - started).toBeLessThan(5_000);
    // The connection is not left open on the broker's side.
    expect(ended).toEqual([true]);
  });

  it('says at once that a broker refusing connections is unreachable', async () => {
    // Port 9 (discard) is closed on loopback: the connection is refused at once.
    const err = await new ScramUsers(['127.0.0.1:9'], admin).upsert('partner-acme', 'secret').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaUnreachable);
    expect((err as Error).message).toMatch(/change the SASL user partner-acme/);
  });
});
