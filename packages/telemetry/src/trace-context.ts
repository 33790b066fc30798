import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  isSpanContextValid,
  propagation,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/** The tracer every govmesh component names its own spans with. */
const TRACER = 'govmesh';

let propagationInstalled = false;

/**
 * W3C trace context in and out, with the active span following async work. Propagation is on in
 * every govmesh process and partner, exporting or not: a process that exports nothing still passes
 * its caller's trace context on (its spans are not recorded, but the ids go through), so one
 * component without an exporter does not cut everyone else's traces in two. Once per process; a
 * partner that set up OpenTelemetry itself keeps its own.
 */
export function ensureTracePropagation(): void {
  if (propagationInstalled) return;
  propagationInstalled = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

/**
 * The W3C trace context of `ctx` as CloudEvents distributed-tracing extension attributes, which
 * are also the HTTP headers that carry it (`traceparent`, `tracestate`).
 */
export function traceContextAttributes(ctx: Context = context.active()): { traceparent?: string; tracestate?: string } {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return {
    ...(carrier.traceparent ? { traceparent: carrier.traceparent } : {}),
    ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}),
  };
}

/**
 * The context a message's `traceparent`/`tracestate` (CloudEvents attributes) name; the root context when they are absent
 * or malformed (W3C: a receiver ignores a bad traceparent and starts afresh, it does not refuse).
 */
export function contextFromAttributes(message: unknown): Context {
  const { traceparent, tracestate } = (message ?? {}) as { traceparent?: unknown; tracestate?: unknown };
  const carrier: Record<string, string> = {};
  if (typeof traceparent === 'string') carrier.traceparent = traceparent;
  if (typeof tracestate === 'string') carrier.tracestate = tracestate;
  return propagation.extract(ROOT_CONTEXT, carrier);
}

/**
 * Runs `work` in a span of its own, child of `parent` (else of the active span): ended when the
 * work settles, marked as an error (with the exception's name only, never its message or data)
 * when it throws. Attributes are ids and codes only, never personal data.
 */
export async function inSpan<T>(
  name: string,
  options: { readonly parent?: Context; readonly kind?: SpanKind; readonly attributes?: Attributes },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const tracer = trace.getTracer(TRACER);
  return tracer.startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, ...(options.attributes ? { attributes: options.attributes } : {}) },
    options.parent ?? context.active(),
    async (span) => {
      try {
        return await work(span);
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/**
 * A span the caller ends itself, child of `parent`: for work done for many messages at once (one
 * ledger append for a batch), where each message's trace still gets its own span.
 */
export function startSpan(
  name: string,
  options: { readonly parent: Context; readonly kind?: SpanKind; readonly attributes?: Attributes },
): Span {
  return trace
    .getTracer(TRACER)
    .startSpan(
      name,
      { kind: options.kind ?? SpanKind.INTERNAL, ...(options.attributes ? { attributes: options.attributes } : {}) },
      options.parent,
    );
}

/** pino's `mixin`: every line logged inside a span carries `trace_id` and `span_id`. */
export function traceLogFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan()?.spanContext();
  return span && isSpanContextValid(span) ? { trace_id: span.traceId, span_id: span.spanId } : {};
}

export { SpanKind, type Span };

/**
 * Express middleware (any connect-style server): one SERVER span per request, child of the
 * caller's `traceparent` header, named by method and route (`POST /v1/cases`), with the status
 * code. Our own, because OpenTelemetry's http and express instrumentations patch modules through
 * require hooks, which do not see a service built as ES modules. The query string is never
 * recorded (it could carry what a citizen typed); scrapes and probes get no span.
 */
export function httpServerSpans(options: { readonly ignore?: RegExp } = {}) {
  const ignore = options.ignore ?? /^\/(metrics|health|healthz|readyz)(\?|$)/;
  return (
    request: IncomingMessage & { route?: { path?: unknown }; baseUrl?: string },
    response: ServerResponse,
    next: () => void,
  ): void => {
    const url = request.url ?? '/';
    if (ignore.test(url)) return next();
    const method = request.method ?? 'GET';
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = trace.getTracer(TRACER).startSpan(
      method,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': method, 'url.path': url.split('?')[0]! },
      },
      parent,
    );
    response.once('finish', () => {
      const route =
        typeof request.route?.path === 'string' ? `${request.baseUrl ?? ''}${request.route.path}` : undefined;
      if (route) {
        span.setAttribute('http.route', route);
        span.updateName(`${method} ${route}`);
      }
      span.setAttribute('http.response.status_code', response.statusCode);
      if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}
