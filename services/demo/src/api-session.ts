import type { DevelopmentIssuer, Role } from '@govmesh/tokens';

/** The demo's calls to the API, each as the kind of user who would make it. */
export class ApiSession {
  private readonly cache = new Map<string, Promise<string>>();

  /** The demo's users hold tokens of govmesh's development issuer, as `govmesh token mint` makes them. */
  constructor(
    readonly baseUrl: string,
    private readonly tokens: DevelopmentIssuer,
  ) {}

  private token(role: Role, subject: string, officerRoles: string[] = [], agency?: string): Promise<string> {
    const key = `${role}:${subject}:${agency ?? ''}`;
    let token = this.cache.get(key);
    if (!token) this.cache.set(key, (token = this.tokens.mint({ role, subject, officerRoles, agency }, '24h')));
    return token;
  }

  async call<T>(
    as: { role: Role; subject: string; officerRoles?: string[]; agency?: string },
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: {
        authorization: `Bearer ${await this.token(as.role, as.subject, as.officerRoles, as.agency)}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Fails loudly on anything but the statuses given. */
  async expect<T>(
    ok: readonly number[],
    as: { role: Role; subject: string; officerRoles?: string[]; agency?: string },
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<T> {
    const r = await this.call<T>(as, method, path, body, headers);
    if (!ok.includes(r.status)) throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body;
  }
}

/** The administrator of one agency: it alone publishes that agency's services. */
export const adminOf = (agency: string) => ({ role: 'agency-admin' as const, subject: `demo-admin-${agency}`, agency });
export const AUDITOR = { role: 'auditor' as const, subject: 'demo-auditor' };
/**
 * An officer acts for one agency: the demo has one in each agency whose services it runs, playing
 * every role those services wait on (`rolesAwaitedBy`: officers, reviewers, fallbacks, and each
 * role of the escalation chains), so no demo case waits for a role nobody plays.
 */
export const officerOf = (agency: string, officerRoles: readonly string[]) => ({
  role: 'officer' as const,
  subject: `demo-officer-${agency}`,
  agency,
  officerRoles: [...officerRoles],
});
export const citizen = (n: number) => ({ role: 'citizen' as const, subject: `demo-citizen-${n}` });
