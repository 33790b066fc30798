import type { JsonSchema } from '@govmesh/contracts/json-schema';
import { classifiedFields, seedForms, seedTaskTypes, type DataClassification } from '@govmesh/contracts/standards';
import { traceLogFields } from '@govmesh/telemetry';
import { pino, type Logger } from 'pino';

const MAX_DEPTH = 12;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;

/**
 * Redacts from log lines the fields the published contracts mark personal or sensitive
 * (`x-govmesh-classification`), wherever they appear in a logged object: `applicant.nationalId`
 * is redacted in `{ application: { applicant: { nationalId } } }` too. Which fields comes from the
 * contracts, never from a list kept by hand here; a process learns each form it meets.
 */
export class PersonalDataRedaction {
  /** Classified dotted paths, matched as suffixes of a logged field's path. */
  private readonly classified = new Map<string, DataClassification>();

  /** Learns the classified fields of a schema (a form's, or a task type's input or output). */
  learn(schema: JsonSchema): void {
    for (const field of classifiedFields(schema)) {
      // A field marked sensitive in one form and personal in another is redacted as sensitive.
      if (this.classified.get(field.path) !== 'sensitive') this.classified.set(field.path, field.classification);
    }
  }

  /** The classified paths known, for a process to say what it redacts. */
  paths(): ReadonlyMap<string, DataClassification> {
    return this.classified;
  }

  /** pino's `formatters.log`: the log object with each classified field's value replaced by its class. */
  readonly formatLog = (object: Record<string, unknown>): Record<string, unknown> =>
    this.classified.size === 0 ? object : (this.redact(object, [], 0) as Record<string, unknown>);

  private classOf(segments: readonly string[]): DataClassification | undefined {
    for (let i = 0; i < segments.length; i++) {
      const found = this.classified.get(segments.slice(i).join('.'));
      if (found) return found;
    }
    return undefined;
  }

  private redact(value: unknown, segments: string[], depth: number): unknown {
    if (depth > MAX_DEPTH) return value;
    if (Array.isArray(value)) return value.map((v) => this.redact(v, segments, depth + 1));
    if (!isPlainObject(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const at = [...segments, key];
      const classification = this.classOf(at);
      out[key] = classification ? `[${classification}]` : this.redact(v, at, depth + 1);
    }
    return out;
  }
}

/** A redaction that knows the seed catalogue's classified fields (forms and task types). */
export function seededRedaction(): PersonalDataRedaction {
  const redaction = new PersonalDataRedaction();
  for (const form of seedForms()) redaction.learn(form.schema);
  for (const t of seedTaskTypes()) {
    redaction.learn(t.input);
    redaction.learn(t.output);
  }
  return redaction;
}

/** This process's redaction: every govmesh service logs through it, and the API teaches it each published form. */
export const personalData = seededRedaction();

/**
 * A govmesh service's logger: pino JSON, trace ids on each line, personal data redacted by
 * classification. Written synchronously: pino's default (asynchronous) stdout flushes what is
 * still in flight when the process exits, and sonic-boom 4 retries a write that failed with EPIPE
 * for ever there. A service whose supervisor was killed (its stdout a pipe to nobody) then hung in
 * `process.exit` and ignored SIGTERM; a synchronous write fails at once and pino stops writing.
 * `destination` is a file to append to instead of stdout (fd 1).
 */
export function processLogger(name: string, level: string, destination: string | number = 1): Logger {
  return pino(
    { name, level, mixin: traceLogFields, formatters: { log: personalData.formatLog } },
    pino.destination({ dest: destination, sync: true, mkdir: true }),
  );
}
