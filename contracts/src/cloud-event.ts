import { z } from 'zod';

/** RFC 3339 timestamp with an explicit offset, as CloudEvents `time` and task deadlines need. */
export const Rfc3339 = z.iso.datetime({ offset: true });

/** Reverse-DNS, versioned event types: `gov.govmesh.<area>.<event>.v<major>`. */
export const EventType = z
  .string()
  .regex(
    /^gov\.govmesh\.[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*\.v[1-9]\d*$/,
    'a type is gov.govmesh.<area>.<event>.v<major>',
  );

/**
 * The CloudEvents 1.0 attributes of every govmesh message, in structured-mode JSON.
 * `dataschema` names the JSON Schema of `data` as a URN, one per exported schema file
 * (`urn:govmesh:schema:<name>` ↔ `contracts/schemas/json-schema/<name>.schema.json`).
 */
export const CloudEventAttributes = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  /** Who produced it: `/govmesh/<component>` for the platform, `/partners/<partnerId>` for a partner. */
  source: z.string().min(1),
  type: EventType,
  subject: z.string().min(1).optional(),
  time: Rfc3339,
  datacontenttype: z.literal('application/json'),
  /** Optional, as CloudEvents 1.0 has it; refused only when present and not a govmesh schema URN. */
  dataschema: z
    .string()
    .regex(/^urn:govmesh:schema:[a-z0-9.@-]+$/, 'dataschema is urn:govmesh:schema:<name>')
    .optional(),
  /**
   * W3C trace context (the CloudEvents distributed-tracing extension): the span that produced the
   * message. Optional; a receiver that finds it malformed starts a new trace, as W3C says, and
   * does not refuse the message for it.
   */
  traceparent: z.string().max(256).optional(),
  tracestate: z.string().max(512).optional(),
  /**
   * On a `task.assigned` whose task type major is deprecated: `sunset=<YYYY-MM-DD>;replacedBy=<name@major>`
   * (`deprecationAttribute`). The partner should move to the replacement before the sunset.
   */
  deprecation: z
    .string()
    .regex(
      /^sunset=\d{4}-\d{2}-\d{2};replacedBy=[a-z0-9-]+@[1-9]\d*$/,
      'deprecation is sunset=<date>;replacedBy=<name@major>',
    )
    .optional(),
  /**
   * On `task.assigned`: the longest the partner may keep the task's input and its own output after
   * the case closes (ISO 8601 days, `P365D`), the service's own retention. govmesh says when that
   * time has come with a `task.revoked` whose code is `CASE.ERASED`: delete then.
   */
  retention: z
    .string()
    .regex(/^P\d+D$/, 'retention is an ISO 8601 duration in days, P<days>D')
    .optional(),
});

/** The `retention` extension attribute's value for a service keeping closed cases `days` days. */
export function retentionAttribute(days: number): string {
  return `P${days}D`;
}

/** The `deprecation` extension attribute's value for a deprecated major. */
export function deprecationAttribute(d: { readonly sunset: string; readonly replacedBy: string }): string {
  return `sunset=${d.sunset};replacedBy=${d.replacedBy}`;
}
export type CloudEventAttributes = z.infer<typeof CloudEventAttributes>;

/** A CloudEvent of one fixed `type` whose `data` matches `data`. */
export function cloudEvent<const T extends string, D extends z.ZodType>(type: T, data: D) {
  return CloudEventAttributes.extend({ type: z.literal(type), data });
}

/** The URN under which a schema is published, used as a message's `dataschema`. */
export function schemaUrn(name: string): string {
  return `urn:govmesh:schema:${name}`;
}
