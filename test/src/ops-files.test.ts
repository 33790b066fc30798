import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { loadInfraConfig, preparePromtool, terminalProgress } from '@govmesh/infra';
import { beforeAll, describe, expect, it } from 'vitest';

import { OPS_DIR, dashboardQueries } from './ops.js';

const run = promisify(execFile);

/**
 * The operators' files in ops/ are checked by Prometheus's own promtool (built from the Go module
 * proxy on first use): the alert rules parse and fire on the series they are meant for, the scrape
 * configuration loads, and every query of the Grafana dashboard is valid PromQL.
 */
describe('dashboards and alerts as files', () => {
  let promtool: string;
  const promtoolIn = async (cwd: string, ...args: string[]) => {
    try {
      return (await run(promtool, args, { cwd })).stdout;
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  };

  beforeAll(async () => {
    promtool = await preparePromtool(loadInfraConfig(), terminalProgress);
  }, 1_200_000);

  it('the alert rules are valid and each fires on the series it is meant for, and only on those', async () => {
    await promtoolIn(join(OPS_DIR, 'prometheus'), 'check', 'rules', 'govmesh-alerts.yml');
    expect(await promtoolIn(join(OPS_DIR, 'prometheus'), 'test', 'rules', 'govmesh-alerts.test.yml')).toContain(
      'SUCCESS',
    );
  });

  it('the scrape configuration loads, with its rule file', async () => {
    await promtoolIn(join(OPS_DIR, 'prometheus'), 'check', 'config', 'prometheus.yml');
  });

  it('every query of the Grafana dashboard is valid PromQL', async () => {
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(10);
    const dir = mkdtempSync(join(tmpdir(), 'govmesh-dashboard-'));
    // promtool checks a rule's expression as Prometheus would: each query becomes a recording rule.
    const rules = {
      groups: [
        {
          name: 'dashboard',
          rules: queries.map((q, i) => ({ record: `dashboard:query_${i}`, expr: q.expr })),
        },
      ],
    };
    writeFileSync(join(dir, 'dashboard-rules.json'), JSON.stringify(rules));
    await promtoolIn(dir, 'check', 'rules', 'dashboard-rules.json');
  });
});
