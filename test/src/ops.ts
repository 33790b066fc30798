import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The operators' files: Prometheus rules and configuration, the Grafana dashboard. */
export const OPS_DIR = fileURLToPath(new URL('../../ops/', import.meta.url));

/** Every PromQL query of the Grafana dashboard, with the panel it belongs to. */
export function dashboardQueries(): Array<{ panel: string; expr: string }> {
  const dashboard = JSON.parse(readFileSync(join(OPS_DIR, 'grafana/govmesh-dashboard.json'), 'utf8')) as {
    panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
  };
  return dashboard.panels.flatMap((p) => p.targets.map((t) => ({ panel: p.title, expr: t.expr })));
}

/** The metric families the dashboard and the alert rules read (a histogram's _bucket/_sum/_count as itself). */
export function metricsTheOpsFilesRead(): string[] {
  const text = [
    readFileSync(join(OPS_DIR, 'prometheus/govmesh-alerts.yml'), 'utf8'),
    ...dashboardQueries().map((q) => q.expr),
  ].join('\n');
  const names = [...text.matchAll(/\b((?:govmesh|temporal)_[a-z0-9_]+)\b/g)].map((m) =>
    m[1]!.replace(/_(bucket|sum|count)$/, ''),
  );
  return [...new Set(names)].sort();
}
