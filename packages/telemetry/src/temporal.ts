import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { ClientInterceptors, WorkflowClientInterceptor } from '@temporalio/client';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/**
 * A Temporal client's interceptors: starting a case, signalling it, sending it an Update or a
 * query each get a span, and carry the active trace context to the case in Temporal headers.
 */
export function temporalClientTracing(): ClientInterceptors & { workflow: WorkflowClientInterceptor[] } {
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor()] };
}

/**
 * A worker's activity interceptors: each activity runs in a span, child of the trace context its
 * workflow passed on (the case's workflows copy it from their start, see
 * `@govmesh/workflows/trace-propagation`), so what an activity publishes carries that trace.
 */
export function temporalActivityTracing(): ActivityInterceptorsFactory[] {
  return [
    (ctx) => ({
      inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
      outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
    }),
  ];
}
