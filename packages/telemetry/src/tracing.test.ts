import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { contextFromAttributes, httpServerSpans, inSpan, traceContextAttributes, traceLogFields } from './index.js';
import { startTracing, type Tracing } from './setup.js';
import { tracingConfig } from './tracing-env.js';

describe('where spans go, from the standard OpenTelemetry variables', () => {
  it('exports nothing unless told', () => {
    expect(tracingConfig({}).exporter).toBe('none');
  });
  it('sends OTLP over HTTP to <endpoint>/v1/traces, or to the traces endpoint as given', () => {
    expect(tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toMatchObject({
      exporter: 'otlp',
      otlpTracesUrl: 'http://collector:4318/v1/traces',
    });
    expect(
      tracingConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://other:4318/traces',
      }).otlpTracesUrl,
    ).toBe('http://other:4318/traces');
  });
  it('sends to Zipkin when its endpoint is set, and nowhere when the SDK is disabled', () => {
    expect(tracingConfig({ OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'http://127.0.0.1:9411/api/v2/spans' }).exporter).toBe(
      'zipkin',
    );
    expect(tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }).exporter).toBe(
      'none',
    );
  });
});

describe('trace context across messages and requests', () => {
  const spans = new InMemorySpanExporter();
  let tracing: Tracing;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    tracing = startTracing({ service: 'telemetry-test', exporter: spans });
    const spanning = httpServerSpans();
    server = createServer((req, res) =>
      spanning(Object.assign(req, { route: { path: '/v1/cases/:caseId' } }), res, () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(traceLogFields()));
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.close();
    await tracing.shutdown();
  });

  it("a message carries the publisher's span as traceparent, and its reader continues that trace", async () => {
    const published = await inSpan('publish', {}, () => Promise.resolve(traceContextAttributes()));
    expect(published.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    await inSpan('read', { parent: contextFromAttributes(published) }, () => Promise.resolve());
    const [publish, read] = spans.getFinishedSpans().slice(-2);
    expect(read!.spanContext().traceId).toBe(publish!.spanContext().traceId);
    expect(read!.parentSpanId).toBe(publish!.spanContext().spanId);
  });

  it('a malformed traceparent starts a new trace instead of refusing the message', async () => {
    for (const message of [{ traceparent: 'not-a-trace' }, { traceparent: 42 }, null, 'text']) {
      await inSpan('read', { parent: contextFromAttributes(message) }, () => Promise.resolve());
      const read = spans.getFinishedSpans().at(-1)!;
      expect(read.parentSpanId).toBeUndefined();
    }
  });

  it('an HTTP request gets a server span named by its route, child of the caller, and log lines carry its ids', async () => {
    const caller = await inSpan('caller', {}, () => Promise.resolve(traceContextAttributes()));
    const logged = await new Promise<{ trace_id?: string; span_id?: string }>((resolve, reject) => {
      httpRequest(`${url}/v1/cases/case-1?name=Ada`, { headers: caller }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve(JSON.parse(body) as { trace_id?: string; span_id?: string }));
      })
        .on('error', reject)
        .end();
    });
    await new Promise((r) => setTimeout(r, 50));
    const served = spans.getFinishedSpans().find((s) => s.name === 'GET /v1/cases/:caseId')!;
    expect(served.attributes).toMatchObject({
      'http.route': '/v1/cases/:caseId',
      'http.response.status_code': 200,
      'url.path': '/v1/cases/case-1',
    });
    expect(JSON.stringify(served.attributes)).not.toContain('Ada'); // never the query string
    expect(served.spanContext().traceId).toBe(caller.traceparent!.split('-')[1]);
    expect(logged).toEqual({ trace_id: served.spanContext().traceId, span_id: served.spanContext().spanId });
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});
