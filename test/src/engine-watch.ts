import { connect } from 'node:net';

import { engineTitle, type EngineStatus } from '@govmesh/infra';
import { beforeEach, inject } from 'vitest';

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

async function assertAnswers(status: EngineStatus): Promise<void> {
  if (await answers(status.address, 2_000)) return;
  const where = status.mode === 'embedded' ? ` (pid ${status.pid ?? '?'}, log ${status.logFile ?? '?'})` : '';
  throw new Error(`${engineTitle(status.engine)} at ${status.address} stopped answering during the suite${where}`);
}

/** Before each end-to-end test: both engines still answer, or the test fails naming the one that died. */
beforeEach(async () => {
  const infra = inject('infra');
  await Promise.all([assertAnswers(infra.kafka), assertAnswers(infra.temporal)]);
});
