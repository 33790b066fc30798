import type { DevelopmentIssuer, Role } from '@govmesh/tokens';

/**
 * The demo's calls to the API, each as the kind of user who would make it. Given several API
 * replicas, it spreads the calls over them as a balancer would, and a replica that does not
 * answer (it died, or is starting again) is passed over for the next.
 */
export class ApiSession {
  private readonly cache = new Map<string, Promise<string>>();
  private readonly baseUrls: readonly string[];
  private next = 0;

  /** The demo's users hold tokens of govmesh's development issuer, as `govmesh token mint` makes them. */
  constructor(
    baseUrl: string | readonly string[],
    private readonly tokens: DevelopmentIssuer,
  ) {
    this.baseUrls = typeof baseUrl === 'string' ? [baseUrl] : baseUrl;
  }

  /** The first replica's address, as people are shown it. */
  get baseUrl(): string {
    return this.baseUrls[0]!;
  }

  /** Each replica in turn, starting with the next one; for a while, until one answers. */
  private async send(path: string, init: RequestInit): Promise<Response> {
    const deadline = Date.now() + 30_000;
    let last: unknown;
    for (let attempt = 0; ; attempt += 1) {
      const base = this.baseUrls[this.next++ % this.baseUrls.length]!;
      try {
        return await fetch(new URL(path, base), init);
      } catch (err) {
        // Refused or reset: that replica is down. With one replica, or all down, wait a moment.
        last = err;
        if (Date.now() > deadline || this.baseUrls.length === 1) throw err;
        if (attempt % this.baseUrls.length === this.baseUrls.length - 1) await new Promise((r) => setTimeout(r, 500));
      }
      if (Date.now() > deadline) throw last;
    }
  }

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
    const response = await this.send(path, {
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
