// A process's own exporter and instrumentation: imported by the services' programs, not by libraries.
export { startTracing, type Tracing } from './tracing.js';
export { temporalActivityTracing, temporalClientTracing } from './temporal.js';
