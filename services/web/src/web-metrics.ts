import { serviceMetrics } from '@govmesh/messaging';
import type { NextFunction, Request, Response } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';

/** What the pages count, for Prometheus: ids, routes and outcomes only, never a person's data. */
export interface WebMetrics {
  readonly registry: Registry;
  readonly pages: Counter<'method' | 'route' | 'status'>;
  readonly duration: Histogram<'method' | 'route'>;
  readonly signIns: Counter<'outcome'>;
  /** Pages that could not be drawn because the API did not answer. */
  readonly apiUnreachable: Counter;
}

export function createWebMetrics(): WebMetrics {
  const { registry } = serviceMetrics('web');
  return {
    registry,
    pages: new Counter({
      name: 'govmesh_web_pages_total',
      help: 'Pages and form posts answered, by route pattern and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'govmesh_web_page_duration_seconds',
      help: 'Time to answer a page or form post, API calls included',
      labelNames: ['method', 'route'] as const,
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    signIns: new Counter({
      name: 'govmesh_web_sign_ins_total',
      help: 'Sign-ins that came back from the issuer, by outcome (completed, failed)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    apiUnreachable: new Counter({
      name: 'govmesh_web_api_unreachable_total',
      help: 'Pages that could not be drawn because the API did not answer',
      registers: [registry],
    }),
  };
}

/**
 * Counts each answer by the route pattern it matched (`/cases/:id`, never the id), so a page's
 * label set stays small; assets and health checks are left out.
 */
export function countPages(metrics: WebMetrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.path.startsWith('/assets/') || req.path === '/healthz') return next();
    const end = metrics.duration.startTimer();
    res.once('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      end({ method: req.method, route });
      metrics.pages.inc({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}
