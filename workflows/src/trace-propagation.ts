import type { Payload, WorkflowInterceptorsFactory } from '@temporalio/workflow';

/**
 * The Temporal header in which OpenTelemetry's client interceptor sends the caller's trace context
 * (`@temporalio/interceptors-opentelemetry`), and its activity interceptor reads it back.
 */
export const TRACE_HEADER = '_tracer-data';

/**
 * Workflow interceptors that carry the case's trace context (the request that started the case)
 * on to every activity and local activity it schedules, so the dispatch to a partner, the agency's
 * work and the events it records join the request's trace.
 *
 * Deliberately not the library's own workflow interceptors: those add spans inside the workflow
 * and, for a history recorded without them, extra microtask yields that reorder an Update's
 * completion and an activity's scheduling. Running cases would then fail to replay after an
 * upgrade (tried on workflows/histories/before-local-events). Copying a header changes no command,
 * so every recorded history still replays.
 */
export const interceptors: WorkflowInterceptorsFactory = () => {
  let caseTrace: Payload | undefined;
  return {
    inbound: [
      {
        execute(input, next) {
          caseTrace = input.headers[TRACE_HEADER];
          return next(input);
        },
      },
    ],
    outbound: [
      {
        scheduleActivity: (input, next) => next(withTrace(input, caseTrace)),
        scheduleLocalActivity: (input, next) => next(withTrace(input, caseTrace)),
      },
    ],
  };
};

function withTrace<T extends { readonly headers: Record<string, Payload> }>(input: T, trace: Payload | undefined): T {
  if (!trace || input.headers[TRACE_HEADER]) return input;
  return { ...input, headers: { ...input.headers, [TRACE_HEADER]: trace } };
}
