import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

import type { AuditReader } from './ports.js';

export interface ApiMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly duration: Histogram<'method' | 'route'>;
  readonly casesSubmitted: Counter<'service'>;
  readonly problems: Counter<'code' | 'status'>;
}

/** Prometheus metrics at /metrics: requests, cases submitted, and partner turnaround from the ledger. */
export function createMetrics(audit?: AuditReader): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'govmesh_api_' });
  const turnaround = new Gauge({
    name: 'govmesh_partner_task_turnaround_seconds',
    help: 'Partner task turnaround (dispatch to accepted result), median and p95, from the audit ledger',
    labelNames: ['partner', 'task_type', 'quantile'] as const,
    registers: [registry],
    async collect() {
      if (!audit) return;
      this.reset();
      // The API's own metrics still answer while the audit service does not; the gauge is then empty.
      const cards = await audit.scorecards().catch(() => []);
      for (const card of cards) {
        const { median, p95 } = card.turnaroundMs;
        if (median !== null)
          this.set({ partner: card.partnerId, task_type: card.taskType, quantile: '0.5' }, median / 1000);
        if (p95 !== null) this.set({ partner: card.partnerId, task_type: card.taskType, quantile: '0.95' }, p95 / 1000);
      }
    },
  });
  void turnaround;
  return {
    registry,
    requests: new Counter({
      name: 'govmesh_api_requests_total',
      help: 'HTTP requests',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'govmesh_api_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route'] as const,
      registers: [registry],
    }),
    problems: new Counter({
      name: 'govmesh_api_problems_total',
      help: 'Requests answered with an RFC 9457 problem, by its code (AUTH.FORBIDDEN, CONTRACT.INVALID, …) and status',
      labelNames: ['code', 'status'] as const,
      registers: [registry],
    }),
    casesSubmitted: new Counter({
      name: 'govmesh_cases_submitted_total',
      help: 'Cases submitted through the API',
      labelNames: ['service'] as const,
      registers: [registry],
    }),
  };
}
