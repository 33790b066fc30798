import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';

import { DEVELOPMENT_ISSUER, ROLES, type DevelopmentIssuer } from '@govmesh/tokens';

/** How long an authorization code may wait for its exchange, as OAuth 2.0 advises (short, single use). */
const CODE_LIFETIME_MS = 60_000;
/** How long a token from the login page lasts: a working day. */
const TOKEN_LIFETIME_S = 8 * 3600;

/**
 * Where the development issuer may send a browser back: the laptop's own pages only. A real issuer
 * registers each client's redirect URIs; on a laptop any loopback port will do, and nothing else.
 */
function loopbackRedirect(value: string): boolean {
  try {
    const url = new URL(value);
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) &&
      url.hash === ''
    );
  } catch {
    return false;
  }
}

const AuthorizationRequest = z.object({
  response_type: z.literal('code', 'only the authorization-code flow is offered'),
  client_id: z.string().min(1).max(200),
  redirect_uri: z.string().refine(loopbackRedirect, 'must be a http(s) address on this machine (loopback)'),
  code_challenge: z.string().regex(/^[A-Za-z0-9_-]{43,128}$/, 'must be a PKCE S256 challenge'),
  code_challenge_method: z.literal('S256', 'only S256 is offered'),
  state: z.string().max(500).optional(),
  scope: z.string().max(500).optional(),
});
type AuthorizationRequest = z.infer<typeof AuthorizationRequest>;

const Name = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lower-case letters, digits, dots and dashes');
const Login = z.object({
  role: z.enum(ROLES),
  subject: Name,
  agency: z.union([z.literal(''), Name]).optional(),
  officerRoles: z.string().max(1000).optional(),
});

const TokenRequest = z.object({
  grant_type: z.literal('authorization_code'),
  code: z.string().min(1),
  redirect_uri: z.string().min(1),
  client_id: z.string().min(1),
  code_verifier: z.string().regex(/^[A-Za-z0-9._~-]{43,128}$/),
});

interface IssuedCode {
  readonly request: AuthorizationRequest;
  readonly token: string;
  readonly expiresAt: number;
}

const escape = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function loginPage(request: AuthorizationRequest, problems: readonly string[] = []): string {
  const hidden = Object.entries(request)
    .map(([k, v]) => `<input type="hidden" name="${escape(k)}" value="${escape(String(v))}">`)
    .join('');
  const options = ROLES.map((r) => `<option value="${r}"${r === 'citizen' ? ' selected' : ''}>${r}</option>`).join('');
  const errors = problems.length
    ? `<div role="alert"><h2>There is a problem</h2><ul>${problems.map((p) => `<li>${escape(p)}</li>`).join('')}</ul></div>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in (development issuer) – govmesh</title>
<style>body{font-family:Arial,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#0b0c0c}
label{display:block;font-weight:bold;margin-top:1rem}input,select{font-size:1rem;padding:.3rem;width:100%;max-width:24rem}
button{margin-top:1.5rem;font-size:1rem;padding:.5rem 1rem;background:#00703c;color:#fff;border:0}
.hint{color:#505a5f;margin:.2rem 0}[role=alert]{border:4px solid #d4351c;padding:0 1rem}</style></head>
<body><main><h1>Sign in as a demo user</h1>
<p>This is govmesh's <strong>development issuer</strong>, for a laptop only: it signs whoever you say you are.
A real deployment signs people in through the agency's identity provider.</p>${errors}
<form method="post" action="authorize">${hidden}
<label for="role">Role</label><select id="role" name="role">${options}</select>
<label for="subject">User name</label><p class="hint" id="subject-hint">For example demo-citizen-1 or demo-officer-market-regulation</p>
<input id="subject" name="subject" value="demo-citizen-1" aria-describedby="subject-hint" autocomplete="username">
<label for="agency">Agency (officers and administrators)</label>
<input id="agency" name="agency" value="" autocomplete="off">
<label for="officerRoles">Officer roles, separated by commas</label>
<input id="officerRoles" name="officerRoles" value="" autocomplete="off">
<button type="submit">Sign in</button></form></main></body></html>`;
}

/**
 * The development issuer's sign-in: OAuth 2.0's authorization-code flow with PKCE (S256), the flow
 * a real issuer offers the web front end, with a page that lets whoever is at the laptop pick a
 * demo user and role. Codes are single use, bound to the client, the redirect URI and the PKCE
 * challenge, and expire within a minute.
 */
export function developmentLogin(issuer: DevelopmentIssuer): Router {
  const router = express.Router();
  const codes = new Map<string, IssuedCode>();
  const form = express.urlencoded({ extended: false, limit: '16kb' });

  const invalid = (res: Response, error: string, description: string) =>
    void res.status(400).json({ error, error_description: description });

  router.get('/authorize', (req: Request, res: Response) => {
    const parsed = AuthorizationRequest.safeParse(req.query);
    // A bad request is never redirected: the redirect URI itself may be what is wrong.
    if (!parsed.success) {
      res
        .status(400)
        .type('text/plain')
        .send(
          `invalid authorization request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
      return;
    }
    res.set('Cache-Control', 'no-store').type('html').send(loginPage(parsed.data));
  });

  router.post('/authorize', form, (req: Request, res: Response, next) => {
    const request = AuthorizationRequest.safeParse(req.body);
    if (!request.success) {
      res.status(400).type('text/plain').send('invalid authorization request');
      return;
    }
    const login = Login.safeParse(req.body);
    if (!login.success) {
      res
        .status(400)
        .type('html')
        .send(
          loginPage(
            request.data,
            login.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
          ),
        );
      return;
    }
    const { role, subject, agency, officerRoles } = login.data;
    const roles = (officerRoles ?? '')
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean);
    issuer
      .mint({ role, subject, officerRoles: roles, agency: agency || undefined }, `${TOKEN_LIFETIME_S}s`)
      .then((token) => {
        const code = randomBytes(32).toString('base64url');
        const now = Date.now();
        for (const [c, issued] of codes) if (issued.expiresAt < now) codes.delete(c);
        codes.set(code, { request: request.data, token, expiresAt: now + CODE_LIFETIME_MS });
        const back = new URL(request.data.redirect_uri);
        back.searchParams.set('code', code);
        if (request.data.state !== undefined) back.searchParams.set('state', request.data.state);
        back.searchParams.set('iss', DEVELOPMENT_ISSUER);
        res.redirect(303, back.toString());
      }, next);
  });

  router.post('/token', form, (req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store');
    const parsed = TokenRequest.safeParse(req.body);
    if (!parsed.success)
      return invalid(
        res,
        'invalid_request',
        parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      );
    const { code, redirect_uri, client_id, code_verifier } = parsed.data;
    const issued = codes.get(code);
    codes.delete(code);
    if (!issued || issued.expiresAt < Date.now())
      return invalid(res, 'invalid_grant', 'the code is unknown, used or expired');
    if (issued.request.client_id !== client_id || issued.request.redirect_uri !== redirect_uri)
      return invalid(res, 'invalid_grant', 'the code was issued to another client or redirect URI');
    const challenge = Buffer.from(createHash('sha256').update(code_verifier).digest('base64url'));
    const expected = Buffer.from(issued.request.code_challenge);
    if (challenge.length !== expected.length || !timingSafeEqual(challenge, expected))
      return invalid(res, 'invalid_grant', 'the code verifier does not match the PKCE challenge');
    res.json({ access_token: issued.token, token_type: 'Bearer', expires_in: TOKEN_LIFETIME_S });
  });

  return router;
}

/** What the discovery document adds for the sign-in flow, at `base`. */
export function developmentLoginMetadata(base: string): Record<string, unknown> {
  return {
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/token`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none'],
    authorization_response_iss_parameter_supported: true,
  };
}
