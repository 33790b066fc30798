import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ensureChromium } from '@govmesh/infra';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isolatedStackEnv } from './engines.js';
import { startOidcIssuer, type RunningIssuer } from './oidc-issuer.js';

const root = join(import.meta.dirname, '..', '..');

/**
 * Signing in through a real OpenID Connect provider, not govmesh's development issuer: the pages
 * and the API are the production programs with GOVMESH_OIDC_ISSUER set, on the suite's engines; the
 * browser is Debian's Chromium. The pages find the issuer by discovery, send people to its own
 * login page with the authorization-code flow and PKCE, and call the API with the access token it
 * issued; the API checks that token against the issuer's published keys.
 */
describe('signing in at a real OpenID Connect issuer', () => {
  let issuer: RunningIssuer;
  let browser: Browser;
  let web: string;
  let api: string;
  const children: ChildProcess[] = [];
  const output: string[] = [];

  /** Starts a govmesh program and waits until it answers on /healthz. */
  const program = async (entry: string, env: Record<string, string>, url: string) => {
    const child = spawn(process.execPath, [join(root, entry)], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    for (const stream of [child.stdout, child.stderr])
      stream.on('data', (chunk: Buffer) => output.push(...chunk.toString().split('\n')));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`${entry} exited with ${child.exitCode}:\n${output.slice(-20).join('\n')}`);
      const ok = await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`${entry} did not answer:\n${output.slice(-20).join('\n')}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  beforeAll(async () => {
    const executablePath = await ensureChromium(process.env, (e) =>
      process.stderr.write(`[e2e chromium] ${e.message}\n`),
    );
    const dir = mkdtempSync(join(tmpdir(), 'govmesh-e2e-issuer-'));
    const suffix = Math.random().toString(16).slice(2, 8);
    const env = await isolatedStackEnv(dir, 'issuer', suffix);
    web = `http://127.0.0.1:${env.GOVMESH_WEB_PORT}`;
    api = `http://127.0.0.1:${env.GOVMESH_API_PORT}`;
    issuer = await startOidcIssuer({
      redirectUri: `${web}/sign-in/callback`,
      people: {
        'ana.officer': {
          govmesh_role: 'officer',
          officer_roles: ['licensing-officer'],
          govmesh_agency: 'market-regulation',
        },
        'bo.citizen': { govmesh_role: 'citizen' },
      },
    });
    const withIssuer = { ...env, GOVMESH_OIDC_ISSUER: issuer.url, LOG_LEVEL: 'warn' };
    await program('services/api/dist/main.js', withIssuer, api);
    await program(
      'services/web/dist/main.js',
      { ...withIssuer, GOVMESH_API_URL: api, GOVMESH_WEB_SCOPE: 'openid govmesh' },
      web,
    );
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
    await issuer?.stop();
  }, 60_000);

  /** Signs in at the issuer's own login and consent pages, then waits to be back on the page asked for. */
  async function signInAtIssuer(page: Page, login: string, returnTo: string) {
    await page.waitForURL((url) => url.origin === issuer.url);
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any password will do here');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    // The issuer asks once whether govmesh may have the access it asks for.
    await page.waitForURL((url) => url.origin === issuer.url || url.href === returnTo);
    if (new URL(page.url()).origin === issuer.url) await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(returnTo);
  }

  it("signs an officer in with the authorization-code flow and PKCE, and the API takes the issuer's token", async () => {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    const authorizeRequests: URL[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).origin === issuer.url && new URL(r.url()).pathname === '/auth')
        authorizeRequests.push(new URL(r.url()));
    });
    await page.goto(`${web}/officer`);
    await signInAtIssuer(page, 'ana.officer', `${web}/officer`);
    // The page is the inbox the API answered for this officer's token: the API accepted it.
    expect(await page.locator('h1').textContent()).toBe('Your inbox');
    expect(await page.locator('body').textContent()).toContain('ana.officer');
    expect(authorizeRequests[0]?.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizeRequests[0]?.searchParams.get('response_type')).toBe('code');
    expect(authorizeRequests[0]?.searchParams.get('client_id')).toBe('govmesh-web');
    await context.close();
  }, 120_000);

  it('signs a citizen in the same way, who sees their own cases and not the workbench', async () => {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(`${web}/cases`);
    await signInAtIssuer(page, 'bo.citizen', `${web}/cases`);
    expect(await page.locator('h1').textContent()).toBe('My cases');
    const workbench = await page.goto(`${web}/officer`);
    expect(workbench?.status()).toBe(403);
    await context.close();
  }, 120_000);

  it('the API refuses a token the issuer did not sign; a person the issuer gives no govmesh role sees no page', async () => {
    const forged = await fetch(`${api}/v1/tasks`, {
      headers: { authorization: 'Bearer eyJhbGciOiJFUzI1NiJ9.e30.c2ln' },
    });
    expect(forged.status).toBe(401);
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(`${web}/cases`);
    await page.waitForURL((url) => url.origin === issuer.url);
    await page.locator('input[name="login"]').fill('someone.unknown');
    await page.locator('input[name="password"]').fill('any password will do here');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.waitForURL((url) => url.origin === issuer.url || url.origin === web);
    if (new URL(page.url()).origin === issuer.url) await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((url) => url.origin === web);
    expect(await page.locator('h1').textContent()).toBe('You cannot see this page');
    await context.close();
  }, 120_000);
});
