import { z } from 'zod';

/**
 * Where a process sends its spans, read from OpenTelemetry's standard variables: OTLP over HTTP
 * when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `…_TRACES_ENDPOINT`) is set, Zipkin when
 * `OTEL_EXPORTER_ZIPKIN_ENDPOINT` is; `OTEL_TRACES_EXPORTER` chooses explicitly; nothing by default.
 */
export const TracingEnvShape = {
  OTEL_SDK_DISABLED: z.enum(['true', 'false']).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'zipkin', 'console', 'none']).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url('must be a URL, e.g. http://127.0.0.1:4318').optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url('must be a URL, e.g. http://127.0.0.1:4318/v1/traces').optional(),
  OTEL_EXPORTER_ZIPKIN_ENDPOINT: z.url('must be a URL, e.g. http://127.0.0.1:9411/api/v2/spans').optional(),
};
export type TracingEnv = z.infer<z.ZodObject<typeof TracingEnvShape>>;

/** What a process's parsed environment says about exporting spans. */
export function tracingConfig(e: TracingEnv): TracingConfig {
  const otlpTracesUrl =
    e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    (e.OTEL_EXPORTER_OTLP_ENDPOINT ? `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces` : undefined);
  const exporter =
    e.OTEL_SDK_DISABLED === 'true'
      ? 'none'
      : (e.OTEL_TRACES_EXPORTER ?? (otlpTracesUrl ? 'otlp' : e.OTEL_EXPORTER_ZIPKIN_ENDPOINT ? 'zipkin' : 'none'));
  return {
    exporter,
    serviceName: e.OTEL_SERVICE_NAME,
    otlpTracesUrl: otlpTracesUrl ?? 'http://127.0.0.1:4318/v1/traces',
    zipkinUrl: e.OTEL_EXPORTER_ZIPKIN_ENDPOINT ?? 'http://127.0.0.1:9411/api/v2/spans',
  };
}

/** For a program whose own schema has no OTEL_* (the demo's): parses them, naming each bad one. */
export function tracingConfigFromEnv(env: Record<string, string | undefined>): TracingConfig {
  return tracingConfig(z.object(TracingEnvShape).parse(env));
}

export interface TracingConfig {
  readonly exporter: 'otlp' | 'zipkin' | 'console' | 'none';
  readonly serviceName: string | undefined;
  readonly otlpTracesUrl: string;
  readonly zipkinUrl: string;
}
