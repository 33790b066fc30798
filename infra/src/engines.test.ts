import { describe, expect, it } from 'vitest';

import { enginesStartedNow, type EngineStatus } from './engines.js';
import type { EngineName } from './errors.js';

const status = (engine: EngineName, startedNow: boolean, mode: EngineStatus['mode'] = 'embedded'): EngineStatus => ({
  engine,
  mode,
  state: 'running',
  address: '127.0.0.1:1',
  startedNow,
});

describe('the engines a run started', () => {
  it("include the PostgreSQL Temporal's own server needed, stopped after that server", () => {
    expect(
      enginesStartedNow({
        kafka: status('kafka', true),
        temporal: status('temporal', true),
        postgres: status('postgres', true),
        zipkin: status('zipkin', false),
      }),
    ).toEqual(['temporal', 'postgres', 'kafka']);
  });

  it('leave out what was running before and what is external', () => {
    expect(
      enginesStartedNow({
        kafka: status('kafka', false, 'external'),
        temporal: status('temporal', false),
        postgres: status('postgres', false),
        zipkin: status('zipkin', true),
      }),
    ).toEqual(['zipkin']);
  });
});
