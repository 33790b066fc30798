import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { loadInfraConfig, prepareComposeCheck, prepareHelm, terminalProgress } from '@govmesh/infra';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);
const DEPLOY_DIR = fileURLToPath(new URL('../../deploy/', import.meta.url));
const CHART = join(DEPLOY_DIR, 'helm', 'govmesh');
const SERVICES = ['api', 'worker', 'bridge', 'audit'] as const;

/** Runs a tool; a failure carries what it printed, which the tests read. */
async function tool(bin: string, args: string[], cwd = DEPLOY_DIR): Promise<{ ok: boolean; out: string }> {
  try {
    const { stdout, stderr } = await run(bin, args, { cwd, maxBuffer: 32 * 1024 * 1024 });
    return { ok: true, out: stdout + stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface PodSpec {
  securityContext?: { runAsNonRoot?: boolean };
  containers: Array<{ args: string[]; env: EnvVar[]; securityContext?: Record<string, unknown> }>;
  volumes?: Array<{ name: string; secret?: { secretName: string } }>;
}

/**
 * The deployment files (issue 21, item 7) are checked by the tools that read them, built from the
 * Go module proxy: Helm itself (`lint`, `template`) for the chart, and compose-go, the loader of
 * `docker compose`, for the compose file. No Docker engine or Kubernetes cluster runs here.
 */
describe('deployment files', () => {
  let helm: string;
  let composeCheck: string;

  beforeAll(async () => {
    const config = loadInfraConfig();
    [helm, composeCheck] = await Promise.all([
      prepareHelm(config, terminalProgress),
      prepareComposeCheck(config, terminalProgress, join(DEPLOY_DIR, 'compose-check')),
    ]);
  }, 1_200_000);

  const render = async (...set: string[]): Promise<Manifest[]> => {
    const { ok, out } = await tool(helm, ['template', 'gov', CHART, ...set.flatMap((s) => ['--set', s])]);
    expect(ok, out).toBe(true);
    return parseAllDocuments(out)
      .map((d) => d.toJS() as Manifest | null)
      .filter((m): m is Manifest => m !== null);
  };

  it('the Helm chart passes helm lint --strict', async () => {
    const { ok, out } = await tool(helm, ['lint', '--strict', CHART]);
    expect(ok, out).toBe(true);
    expect(out).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  it('renders two of every service against existing clusters, each with its own Kafka user and every secret by reference', async () => {
    const manifests = await render();
    const deployments = new Map(
      manifests
        .filter((m) => m.kind === 'Deployment')
        .map((m) => [m.metadata.labels!['app.kubernetes.io/component']!, m]),
    );
    expect([...deployments.keys()].sort()).toEqual(['api', 'audit', 'bridge', 'web', 'worker']);
    for (const [component, d] of deployments) {
      expect(d.apiVersion).toBe('apps/v1');
      expect(d.spec.replicas, component).toBe(2);
      const selector = (d.spec.selector as { matchLabels: Record<string, string> }).matchLabels;
      const pod = d.spec.template as { metadata: { labels: Record<string, string> }; spec: PodSpec };
      expect(pod.metadata.labels).toMatchObject(selector);
      expect(pod.spec.securityContext?.runAsNonRoot).toBe(true);
      const [container] = pod.spec.containers;
      expect(container!.args).toEqual([`services/${component}/dist/main.js`]);
      const env = new Map(container!.env.map((e) => [e.name, e]));
      // No secret is ever a literal in a manifest.
      for (const name of [
        'KAFKA_SASL_PASSWORD',
        'GOVMESH_CASE_KEYS',
        'GOVMESH_DATABASE_URL',
        'GOVMESH_WEB_SESSION_SECRET',
      ])
        if (env.has(name)) expect(env.get(name)!.valueFrom?.secretKeyRef, `${component} ${name}`).toBeDefined();
      if ((SERVICES as readonly string[]).includes(component)) {
        expect(env.get('KAFKA_SASL_USERNAME')?.value).toBe(`govmesh-${component}`);
        expect(env.get('KAFKA_SASL_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({
          name: 'govmesh-kafka',
          key: component,
        });
        expect(env.get('TEMPORAL_ADDRESS')?.value).toBe('temporal-frontend.temporal:7233');
      }
      if (component === 'api' || component === 'audit')
        expect(env.get('GOVMESH_DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({
          name: 'govmesh-database',
          key: 'url',
        });
    }
    // Every audit replica signs with the same key, mounted from its Secret.
    const audit = (deployments.get('audit')!.spec.template as { spec: PodSpec }).spec;
    expect(audit.volumes?.find((v) => v.name === 'secrets')?.secret?.secretName).toBe('govmesh-audit-signing-key');
    // A voluntary disruption (a node drained) leaves at least one replica of each running.
    const budgets = manifests.filter((m) => m.kind === 'PodDisruptionBudget');
    expect(budgets.map((b) => b.metadata.labels!['app.kubernetes.io/component']).sort()).toEqual([
      'api',
      'audit',
      'bridge',
      'web',
      'worker',
    ]);
    // The API reaches the audit read model through its Service.
    const api = (deployments.get('api')!.spec.template as { spec: PodSpec }).spec.containers[0]!.env;
    expect(api.find((e) => e.name === 'GOVMESH_AUDIT_URL')?.value).toBe('http://gov-govmesh-audit:17281');
    expect(
      manifests
        .filter((m) => m.kind === 'Service')
        .map((s) => s.metadata.name)
        .sort(),
    ).toEqual(['gov-govmesh-api', 'gov-govmesh-audit', 'gov-govmesh-web']);
  });

  it('scales by values, and refuses values a production API cannot run with, naming them', async () => {
    const scaled = await render('replicas.worker=5', 'replicas.web=1');
    const replicas = (c: string) =>
      scaled.find((m) => m.kind === 'Deployment' && m.metadata.name === `gov-govmesh-${c}`)!.spec.replicas;
    expect(replicas('worker')).toBe(5);
    expect(replicas('web')).toBe(1);
    // One web replica: no disruption budget that would block every drain.
    expect(scaled.some((m) => m.kind === 'PodDisruptionBudget' && m.metadata.name === 'gov-govmesh-web')).toBe(false);

    const noIssuer = await tool(helm, ['template', 'gov', CHART, '--set', 'oidc.issuer=']);
    expect(noIssuer.ok).toBe(false);
    expect(noIssuer.out).toContain('oidc.issuer is required');
    const noDatabase = await tool(helm, ['template', 'gov', CHART, '--set', 'database.urlSecret=']);
    expect(noDatabase.ok).toBe(false);
    expect(noDatabase.out).toContain('database.urlSecret is required');
  });

  it("the compose file loads as docker compose loads it: three brokers, Temporal's server on PostgreSQL, two of every service", async () => {
    const { ok, out } = await tool(composeCheck, ['compose.yaml', 'compose.env.example']);
    expect(ok, out).toBe(true);
    const project = JSON.parse(out) as {
      services: Record<
        string,
        { deploy?: { replicas?: number }; environment?: Record<string, string>; volumes?: Array<{ source: string }> }
      >;
    };
    for (const n of [1, 2, 3]) {
      const broker = project.services[`kafka-${n}`]!;
      const properties = readFileSync(broker.volumes!.find((v) => v.source.endsWith('.properties'))!.source, 'utf8');
      expect(properties).toContain(`node.id=${n}`);
      expect(properties).toContain('min.insync.replicas=2');
      expect(properties).toContain('default.replication.factor=3');
      expect(properties).toContain('allow.everyone.if.no.acl.found=false');
    }
    const temporal = project.services.temporal!.environment!;
    expect(temporal.DB).toBe('postgres12');
    expect(Number(temporal.NUM_HISTORY_SHARDS)).toBeGreaterThan(1);
    for (const service of SERVICES) {
      expect(project.services[service]!.deploy?.replicas, service).toBe(2);
      expect(project.services[service]!.environment!.KAFKA_SASL_USERNAME).toBe(`govmesh-${service}`);
    }
    expect(project.services.api!.environment!.GOVMESH_DATABASE_URL).toMatch(/^postgres:\/\/govmesh:.+@postgres:5432\//);
  });

  it('the compose file has no default secret: without them it refuses to load, naming each', async () => {
    const { ok, out } = await tool(composeCheck, ['compose.yaml']);
    expect(ok).toBe(false);
    for (const variable of ['GOVMESH_KAFKA_ADMIN_PASSWORD', 'GOVMESH_POSTGRES_PASSWORD', 'GOVMESH_CASE_KEYS'])
      expect(out).toContain(`set ${variable}`);
  });
});
