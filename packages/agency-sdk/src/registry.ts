import { createHash } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  RegistryLookupAnswer,
  RegistryLookupRequest,
  type RegistryExchangeLogEntry,
  type RegistryLookupOutcome,
} from '@govmesh/contracts/registry-exchange';
import { canonicalJson } from '@govmesh/contracts/canonical-json';
import type { TokenVerifier } from '@govmesh/tokens';
import type { Logger } from 'pino';

/** SHA-256 of the request's RFC 8785 canonical JSON: what both sides' logs bind the exchange to. */
export function requestHashOf(request: RegistryLookupRequest): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

/**
 * Who may read what, the provider's own decision: for each client agency, the purposes it may
 * state (as its service definitions word them) and the fields it may read for them.
 */
export type RegistryPolicy = Readonly<
  Record<string, { readonly purposes: readonly string[]; readonly fields: readonly string[] }>
>;

export interface RegistryServiceOptions {
  /** The agency that keeps the registry (its name in definitions' `lookup: { agency }`). */
  readonly agency: string;
  /** The registry's name (`lookup: { registry }`). */
  readonly registry: string;
  readonly policy: RegistryPolicy;
  /** The record a key names, or undefined when there is none. */
  readonly find: (key: string | number) => Promise<Record<string, unknown> | undefined>;
  /** Checks a client's bearer token: the issuer govmesh's API trusts. */
  readonly tokens: TokenVerifier;
  /** The provider's own log of every exchange, one JSON line each (kept in memory without it). */
  readonly logFile?: string;
  readonly logger: Logger;
  readonly host?: string;
  readonly port?: number;
}

export interface RegistryService {
  /** Where clients reach it, once started. */
  readonly url: string;
  /** Every exchange since the start, answered or refused, in order. */
  readonly exchanges: readonly RegistryExchangeLogEntry[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * An agency's registry as a service other agencies ask over HTTP
 * (`POST /v1/registries/{registry}/lookups`), authenticated as themselves: the provider checks
 * the client's purpose and fields against its policy, answers only the fields asked for, and logs
 * every exchange with the request's hash, refusals included.
 */
export function serveRegistry(options: RegistryServiceOptions): RegistryService {
  const logger = options.logger.child({ agency: options.agency, registry: options.registry });
  const exchanges: RegistryExchangeLogEntry[] = [];
  const path = `/v1/registries/${options.registry}/lookups`;
  let server: Server | undefined;
  let url = '';

  async function log(entry: RegistryExchangeLogEntry): Promise<void> {
    exchanges.push(entry);
    if (options.logFile) await appendFile(options.logFile, `${JSON.stringify(entry)}\n`);
    // Ids, codes and field names only: the values stay in the registry.
    logger.info(
      {
        requestHash: entry.requestHash,
        client: entry.client,
        caseId: entry.caseId,
        outcome: entry.outcome,
        code: entry.code,
      },
      'registry exchange',
    );
  }

  async function lookup(req: IncomingMessage): Promise<RegistryLookupAnswer> {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer) throw new Refusal(401, 'AUTH.MISSING', 'a look-up needs the client agency’s bearer token');
    const caller = await options.tokens.verify(bearer).catch((err: Error) => {
      throw new Refusal(401, 'AUTH.INVALID', err.message);
    });
    if (caller.role !== 'agency-admin' || !caller.agency)
      throw new Refusal(403, 'AUTH.NOT_AN_AGENCY', 'only an agency may look a record up');
    const parsed = RegistryLookupRequest.safeParse(await bodyOf(req));
    if (!parsed.success)
      throw new Refusal(
        400,
        'REGISTRY.INVALID_REQUEST',
        parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
      );
    const request = parsed.data;
    const requestHash = requestHashOf(request);
    const entry = {
      time: new Date().toISOString(),
      requestHash,
      requestId: request.requestId,
      client: request.client,
      provider: options.agency,
      registry: options.registry,
      caseId: request.caseId,
      purpose: request.purpose,
      fields: [...request.fields],
    };
    const refuse = async (code: string, reason: string): Promise<never> => {
      await log({ ...entry, outcome: 'refused', code, reason });
      throw Object.assign(new Refusal(403, code, reason), { requestHash });
    };
    if (request.client !== caller.agency)
      return await refuse(
        'REGISTRY.CLIENT_MISMATCH',
        `the token is ${caller.agency}'s, the request says ${request.client}`,
      );
    const allowed = options.policy[request.client];
    if (!allowed)
      return await refuse(
        'REGISTRY.CLIENT_NOT_ALLOWED',
        `${options.agency} shares nothing of its ${options.registry} with ${request.client}`,
      );
    if (!allowed.purposes.includes(request.purpose))
      return await refuse(
        'REGISTRY.PURPOSE_NOT_ALLOWED',
        `${options.agency} does not share its ${options.registry} with ${request.client} for the purpose "${request.purpose}"`,
      );
    const beyond = request.fields.filter((f) => !allowed.fields.includes(f));
    if (beyond.length)
      return await refuse(
        'REGISTRY.FIELDS_NOT_ALLOWED',
        `${request.client} may not read ${beyond.join(', ')} of the ${options.registry}`,
      );
    const found = await options.find(request.key);
    const record = Object.fromEntries(request.fields.filter((f) => found && f in found).map((f) => [f, found![f]]));
    await log({ ...entry, outcome: 'answered' });
    return { requestHash, found: found !== undefined, record };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url !== path) {
      send(
        404,
        { title: 'Not found', status: 404, detail: `this service answers POST ${path}` },
        'application/problem+json',
      );
      return;
    }
    try {
      send(200, await lookup(req));
    } catch (err) {
      if (!(err instanceof Refusal)) {
        logger.error({ err }, 'the look-up failed');
        send(
          500,
          { title: 'Look-up failed', status: 500, detail: 'the registry could not answer' },
          'application/problem+json',
        );
        return;
      }
      const requestHash = (err as Refusal & { requestHash?: string }).requestHash;
      send(
        err.status,
        {
          title: 'Look-up refused',
          status: err.status,
          code: err.code,
          detail: err.message,
          ...(requestHash ? { requestHash } : {}),
        },
        'application/problem+json',
      );
    }
  }

  return {
    get url() {
      return url;
    },
    exchanges,
    async start() {
      server = createServer((req, res) => void handle(req, res));
      await new Promise<void>((resolve) => server!.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
      const address = server.address() as AddressInfo;
      url = `http://${options.host ?? '127.0.0.1'}:${address.port}`;
      logger.info({ url }, 'registry service listening');
    },
    async stop() {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
  };
}

async function bodyOf(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 65_536) throw new Refusal(413, 'REGISTRY.INVALID_REQUEST', 'a look-up is at most 64 KiB');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Refusal(400, 'REGISTRY.INVALID_REQUEST', 'the body is not JSON');
  }
}

/**
 * Asks a provider's registry service, as the client agency (its token), and checks the answer:
 * bound to this request by its hash, and holding no field that was not asked for. A refusal, the
 * provider's or the client's own, is an outcome the case records and handles, not an error; an
 * unreachable provider or a server error is thrown, to be tried again.
 */
export async function askRegistry(
  serviceUrl: string,
  token: string,
  registry: string,
  request: RegistryLookupRequest,
): Promise<RegistryLookupOutcome> {
  const requestHash = requestHashOf(request);
  const response = await fetch(new URL(`/v1/registries/${registry}/lookups`, serviceUrl), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.status >= 500 || response.status === 429)
    throw new Error(
      `the ${registry} answered ${response.status}: ${typeof body.detail === 'string' ? body.detail : response.statusText}`,
    );
  if (!response.ok)
    return {
      outcome: 'refused',
      requestHash,
      code: typeof body.code === 'string' ? body.code : `HTTP.${response.status}`,
      reason: typeof body.detail === 'string' ? body.detail : response.statusText,
    };
  const answer = RegistryLookupAnswer.safeParse(body);
  if (!answer.success)
    return {
      outcome: 'refused',
      requestHash,
      code: 'REGISTRY.INVALID_ANSWER',
      reason: answer.error.issues[0]!.message,
    };
  if (answer.data.requestHash !== requestHash)
    return {
      outcome: 'refused',
      requestHash,
      code: 'REGISTRY.UNBOUND_ANSWER',
      reason: `the answer is bound to request ${answer.data.requestHash}, not to this one`,
    };
  const unasked = Object.keys(answer.data.record).filter((f) => !request.fields.includes(f));
  if (unasked.length)
    return {
      outcome: 'refused',
      requestHash,
      code: 'REGISTRY.UNASKED_FIELDS',
      reason: `the ${registry} answered fields that were not asked for: ${unasked.join(', ')}`,
    };
  return { outcome: 'answered', requestHash, found: answer.data.found, record: answer.data.record };
}
