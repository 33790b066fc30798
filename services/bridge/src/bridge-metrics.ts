import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * What the bridge counts: results by outcome and refusal code, how long a hand-over takes, how many
 * are being handed over now, and how often a case could not be reached and was tried again.
 */
export interface BridgeMetrics {
  readonly results: Counter<'outcome' | 'code'>;
  readonly handover: Histogram<'outcome'>;
  readonly handingOver: Gauge;
  readonly retries: Counter;
}

export function bridgeMetrics(registry: Registry): BridgeMetrics {
  return {
    results: new Counter({
      name: 'govmesh_bridge_results_total',
      help: "Partners' results handled: accepted into their case, or rejected with a refusal code",
      labelNames: ['outcome', 'code'] as const,
      registers: [registry],
    }),
    handover: new Histogram({
      name: 'govmesh_bridge_handover_seconds',
      help: 'From reading a result to the case accepting it (or the rejection being published)',
      labelNames: ['outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    handingOver: new Gauge({
      name: 'govmesh_bridge_results_handing_over',
      help: 'Results being handed to their cases now (at most GOVMESH_BRIDGE_CONCURRENCY, with those waiting behind their case)',
      registers: [registry],
    }),
    retries: new Counter({
      name: 'govmesh_bridge_handover_retries_total',
      help: 'Hand-overs tried again because the case could not be reached (its worker or Temporal down)',
      registers: [registry],
    }),
  };
}
