import type { AddressInfo } from 'node:net';

import { HttpAuditReader, createServer, type PlatformStore } from '@govmesh/api';
import { CaseClient, CaseDataCodec, loadCaseDataKeys } from '@govmesh/case-client';
import type { DevelopmentIssuer } from '@govmesh/tokens';

import { caseKeysEnv } from './engines.js';
import { logger, type TestPlatform } from './platform.js';

/**
 * The production API in this process, over a test platform's cases, listening on loopback:
 * no partner registry and no ledger behind it (those routes fail), tokens of `tokens`.
 */
export async function startCasesApi(
  platform: TestPlatform,
  tokens: DevelopmentIssuer,
  store: PlatformStore,
): Promise<{ url: string; close: () => void }> {
  const app = createServer({
    store,
    cases: new CaseClient(platform.client, { taskQueue: platform.taskQueue }),
    partners: {
      onboard: () => Promise.reject(new Error('not in this test')),
      rotateCredentials: () => Promise.reject(new Error('not in this test')),
      changeStatus: () => Promise.resolve({ moved: [] }),
    },
    audit: new HttpAuditReader('http://127.0.0.1:9', 'x'.repeat(43)),
    events: { satisfactionRated: () => Promise.resolve() },
    readiness: { check: () => Promise.resolve({}) },
    tokens: tokens.verifier(),
    logger,
    // The API opens case data with the same keyring the worker and clients seal it with.
    caseData: new CaseDataCodec(loadCaseDataKeys({ file: caseKeysEnv().GOVMESH_CASE_KEYS_FILE! })),
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}
