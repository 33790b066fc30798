import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { trace } from '@opentelemetry/api';
import { Resource } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

import { ensureTracePropagation } from './trace-context.js';
import type { TracingConfig } from './tracing-env.js';

export interface Tracing {
  /** Where spans go (`otlp http://…`, `zipkin http://…`, `memory`), or undefined when nothing is exported. */
  readonly exportingTo: string | undefined;
  /** Sends what is still buffered; a process calls it on its way out. */
  shutdown(): Promise<void>;
}

let provider: NodeTracerProvider | undefined;

/**
 * Sets up tracing for one process, once: W3C trace context always; spans exported to `exporter`
 * (tests: an in-memory one) or to where the environment says (OTLP over HTTP, Zipkin, console).
 */
export function startTracing(options: {
  readonly service: string;
  readonly config?: TracingConfig;
  readonly exporter?: SpanExporter;
}): Tracing {
  ensureTracePropagation();
  const resource = new Resource({ [ATTR_SERVICE_NAME]: options.config?.serviceName ?? options.service });
  const chosen = options.exporter
    ? { exporter: options.exporter, to: 'memory', batch: false }
    : exporterFromConfig(options.config);
  if (!chosen) return { exportingTo: undefined, shutdown: async () => {} };
  if (provider) throw new Error('tracing is already exporting in this process; call startTracing once');
  // Tests see every span at once; a service batches so that tracing never waits on the network.
  const spanProcessor = chosen.batch
    ? new BatchSpanProcessor(chosen.exporter)
    : new SimpleSpanProcessor(chosen.exporter);
  provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register({ contextManager: null, propagator: null });
  const exporting = provider;
  return {
    exportingTo: chosen.to,
    async shutdown() {
      await exporting.shutdown();
      trace.disable();
      provider = undefined;
    },
  };
}

function exporterFromConfig(
  config: TracingConfig | undefined,
): { exporter: SpanExporter; to: string; batch: boolean } | undefined {
  if (!config || config.exporter === 'none') return undefined;
  switch (config.exporter) {
    case 'otlp':
      return {
        exporter: new OTLPTraceExporter({ url: config.otlpTracesUrl }),
        to: `otlp ${config.otlpTracesUrl}`,
        batch: true,
      };
    case 'zipkin':
      return { exporter: new ZipkinExporter({ url: config.zipkinUrl }), to: `zipkin ${config.zipkinUrl}`, batch: true };
    case 'console':
      return { exporter: new ConsoleSpanExporter(), to: 'console', batch: false };
  }
}
