// Light: what every component and partner needs to carry a trace on (only @opentelemetry/api).
export {
  SpanKind,
  contextFromAttributes,
  ensureTracePropagation,
  httpServerSpans,
  inSpan,
  startSpan,
  traceContextAttributes,
  traceLogFields,
  type Span,
} from './trace-context.js';
export {
  TracingEnvShape,
  tracingConfig,
  tracingConfigFromEnv,
  type TracingConfig,
  type TracingEnv,
} from './tracing-env.js';
