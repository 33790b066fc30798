import { loadCliConfig, type CliConfig } from './config.js';

/** Exit codes scripts can trust: 0 done, 1 refused by the API (4xx), 3 the API could not be reached or failed. */
export class ApiCallFailed extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 3,
    readonly problem?: unknown,
  ) {
    super(message);
  }
}

interface Problem {
  title?: string;
  detail?: string;
  status?: number;
  errors?: Array<{ path: string; message: string }>;
}

/** One call to the govmesh API with the caller's token; a problem document becomes an ApiCallFailed. */
export async function callApi<T>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  config: CliConfig = loadCliConfig(),
): Promise<T> {
  return (await callApiFor<T>(method, path, body, headers, config)).body;
}

/** As callApi, with the answer's headers (a page's `Link`). */
export async function callApiFor<T>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  config: CliConfig = loadCliConfig(),
): Promise<{ body: T; headers: Headers }> {
  let response: Response;
  try {
    response = await fetch(new URL(path, config.GOVMESH_API_URL), {
      method,
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(config.GOVMESH_TOKEN ? { authorization: `Bearer ${config.GOVMESH_TOKEN}` } : {}),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (err) {
    throw new ApiCallFailed(
      `cannot reach the govmesh API at ${config.GOVMESH_API_URL} (${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}); start it with npm start or set GOVMESH_API_URL`,
      3,
    );
  }
  const text = await response.text();
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) {
    const p = (json ?? {}) as Problem;
    const lines = [
      `${response.status} ${p.title ?? response.statusText}: ${p.detail ?? ''}`,
      ...(p.errors ?? []).map((e) => `  - ${e.path}: ${e.message}`),
    ];
    if (response.status === 401)
      lines.push('  (set GOVMESH_TOKEN; `govmesh token mint --role <role> --sub <id>` makes one for development)');
    throw new ApiCallFailed(lines.join('\n'), response.status >= 500 ? 3 : 1, json);
  }
  return { body: json as T, headers: response.headers };
}
