/**
 * Every failure of the embedded engines carries a stable `code`, whether retrying could help,
 * and a `hint` that tells the user what to do next. The CLI prints message and hint; the test
 * harness rethrows them so a failing suite says which engine is missing and how to get it.
 */
export class InfraError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: { hint?: string; retriable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.hint = options.hint;
  }
}

/** A program the embedded engines need (java, mvn, go) is absent or too old. */
export class MissingToolError extends InfraError {
  constructor(
    readonly tool: string,
    readonly required: string,
    readonly found: string | undefined,
    hint: string,
  ) {
    super(
      'INFRA.MISSING_TOOL',
      found === undefined
        ? `${tool} ${required} is needed but was not found on PATH`
        : `${tool} ${required} is needed but ${found} was found`,
      { hint },
    );
  }
}

/** Fetching or building an engine (Maven, go install) failed. */
export class EngineBuildError extends InfraError {
  constructor(
    readonly engine: ToolName,
    message: string,
    readonly logFile: string,
    cause?: unknown,
  ) {
    super('INFRA.BUILD_FAILED', message, { hint: `see ${logFile}`, retriable: true, cause });
  }
}

/** An engine did not answer within the readiness bound, or its process exited while starting. */
export class EngineNotReadyError extends InfraError {
  constructor(
    readonly engine: EngineName,
    readonly address: string,
    message: string,
    hint: string,
    cause?: unknown,
  ) {
    super('INFRA.NOT_READY', message, { hint, retriable: true, cause });
  }
}

/** Another program already listens where an embedded engine should. */
export class PortInUseError extends InfraError {
  constructor(
    readonly engine: EngineName,
    readonly port: number,
    readonly variable: string,
  ) {
    super(
      'INFRA.PORT_IN_USE',
      `${engineTitle(engine)} cannot start: port ${port} on 127.0.0.1 is taken by another program`,
      {
        hint: `stop that program, or choose another port with ${variable}=<port>`,
      },
    );
  }
}

/**
 * The data folder holds the other embedded Kafka (one broker, or three): its cases, partners and
 * ledger were made on that one, and the Kafka asked for has none of their topics or users.
 */
export class KafkaLayoutChanged extends InfraError {
  constructor(
    readonly dataDir: string,
    readonly askedNodes: number,
    readonly foundNodes: number,
    readonly foundStorage: string,
  ) {
    const brokers = (n: number) => (n === 1 ? 'a single Kafka broker' : `${n} Kafka brokers`);
    super(
      'INFRA.KAFKA_LAYOUT_CHANGED',
      `GOVMESH_KAFKA_NODES=${askedNodes} asks for ${brokers(askedNodes)}, but the data folder ${dataDir} was made with ${brokers(foundNodes)} (its storage: ${foundStorage}): the cases, partners and ledger kept there have their topics and users on that Kafka only`,
      {
        hint: `start it as before with GOVMESH_KAFKA_NODES=${foundNodes}, or choose another data folder for ${brokers(askedNodes)} with GOVMESH_DATA_DIR=<folder> (removing ${dataDir} starts afresh and loses its cases)`,
      },
    );
  }
}

export type EngineName = 'kafka' | 'temporal' | 'zipkin' | 'postgres';
/** An engine, or a tool infra builds or installs for the tests (promtool, chromium, helm, compose-check): what progress lines and build errors name. */
export type ToolName = EngineName | 'promtool' | 'chromium' | 'helm' | 'compose';

export function engineTitle(engine: ToolName): string {
  return {
    kafka: 'Kafka',
    temporal: 'Temporal',
    zipkin: 'Zipkin',
    postgres: 'PostgreSQL',
    promtool: 'promtool',
    chromium: 'Chromium',
    helm: 'Helm',
    compose: 'compose-check',
  }[engine];
}
