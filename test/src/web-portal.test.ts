/// <reference lib="dom" />
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { AxeBuilder } from '@axe-core/playwright';
import { ensureChromium } from '@govmesh/infra';
import { DevelopmentIssuer, developmentIssuerKeyFile } from '@govmesh/tokens';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isolatedStackEnv } from './engines.js';

const root = new URL('../..', import.meta.url).pathname;
/** Where the pages' screenshots go; `docs/screenshots` holds the ones the README shows. */
const screenshots = process.env.GOVMESH_SCREENSHOTS_DIR ?? join(root, '.vitest', 'screenshots');

/** WCAG 2.1 A and AA, as the issue asks: every page must have none of these violations. */
async function accessibilityViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return result.violations.map(
    (v) => `${v.id} (${v.impact ?? 'n/a'}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
}

/**
 * Signs in on the development issuer's page the browser was sent to, as a person would: the role,
 * the user name and, for staff, the agency and officer roles; then waits to be back at `returnTo`.
 */
async function signInAtIssuer(
  page: Page,
  who: { role?: string; subject: string; agency?: string; officerRoles?: string },
  returnTo: string,
): Promise<void> {
  await page.waitForURL(/\/authorize\?/);
  if (who.role) await page.getByLabel('Role', { exact: true }).selectOption(who.role);
  await page.getByLabel('User name').fill(who.subject);
  if (who.agency) await page.getByLabel('Agency (officers and administrators)').fill(who.agency);
  if (who.officerRoles) await page.getByLabel('Officer roles, separated by commas').fill(who.officerRoles);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(returnTo);
}

const application = {
  'Full name': 'Emmy Noether',
  'Date of birth': '1982-03-23',
  'National identity number': 'NID-23',
  'Email address': 'emmy@example.org',
  'Business name': 'Invariant Books',
  'Business address': '23 Ring Road',
  'Business activity': 'bookshop',
};

/**
 * The citizen portal in a real browser (Debian's Chromium, driven by Playwright) against the whole
 * platform as `npm start` runs it: every govmesh process, the demo crew (partners and officer), the
 * suite's Kafka and Temporal, and people signing in at the API's development issuer.
 */
describe('the citizen portal in a browser', () => {
  let up: ChildProcess;
  let browser: Browser;
  let web: string;
  let api: string;
  let dataDir: string;
  const output: string[] = [];
  const suffix = Math.random().toString(16).slice(2, 8);
  const citizen = `e2e-citizen-${suffix}`;
  /** The case the officer's test decided in the browser; the auditor's test reads its trail. */
  let decidedByOfficer = '';
  const businessApplication = {
    applicant: { name: 'Ada Lovelace', dateOfBirth: '1985-12-10', nationalId: 'NID-1', email: 'ada@example.org' },
    business: { name: 'Engine Works', address: '1 Analytical Way', activity: 'workshop' },
  };
  /** The API, called as someone the stack's development issuer vouches for (setting up what the browser then works on). */
  const call = async (path: string, as: Parameters<DevelopmentIssuer['mint']>[0], method: string, body?: unknown) => {
    const issuer = await DevelopmentIssuer.open(developmentIssuerKeyFile(dataDir));
    const response = await fetch(`${api}${path}`, {
      method,
      headers: { authorization: `Bearer ${await issuer.mint(as)}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as Record<string, unknown>;
  };
  /** Publishes a service of this run as market-regulation's administrator, on the business licence's form. */
  const publishService = (serviceId: string, title: string, steps: unknown[]) =>
    call(
      `/v1/services/${serviceId}`,
      { role: 'agency-admin', subject: 'e2e-admin', agency: 'market-regulation' },
      'PUT',
      {
        apiVersion: 'govmesh/v1',
        kind: 'Service',
        id: serviceId,
        version: 1,
        title,
        ownerAgency: 'market-regulation',
        application: { schema: 'business-licence-application@1' },
        steps,
      },
    );
  /** Reloads the inbox until the case's task is listed (the index lags a change by a moment); answers its link. */
  const inboxTask = async (page: Page, taskId: string) => {
    const task = page.locator(`a[href="/officer/tasks/${encodeURIComponent(taskId)}"]`);
    await expect
      .poll(async () => (await page.reload(), await task.count()), { timeout: 30_000, interval: 1_000 })
      .toBe(1);
    return task;
  };

  beforeAll(async () => {
    const executablePath = await ensureChromium(process.env, (e) =>
      process.stderr.write(`[e2e chromium] ${e.message}\n`),
    );
    mkdirSync(screenshots, { recursive: true });
    const dir = mkdtempSync(join(tmpdir(), 'govmesh-e2e-web-'));
    dataDir = dir;
    const env = await isolatedStackEnv(dir, 'web', suffix);
    web = `http://127.0.0.1:${env.GOVMESH_WEB_PORT}`;
    api = `http://127.0.0.1:${env.GOVMESH_API_PORT}`;
    up = spawn(process.execPath, [join(root, 'services/cli/bin/govmesh.js'), 'up', '--demo', '--cases', '1'], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`govmesh up did not start serving:\n${output.slice(-30).join('\n')}`)),
        240_000,
      );
      for (const stream of [up.stdout!, up.stderr!])
        createInterface({ input: stream }).on('line', (line) => {
          output.push(line);
          if (line.includes('govmesh is serving')) {
            clearTimeout(timer);
            resolve();
          }
        });
      up.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`govmesh up exited with ${code}:\n${output.slice(-30).join('\n')}`));
      });
    });
    expect(output.join('\n')).toContain(`citizen portal ${web}`);
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    if (up && up.exitCode === null) {
      const exited = new Promise((resolve) => up.once('exit', resolve));
      up.kill('SIGTERM');
      await exited;
    }
  }, 120_000);

  it('takes a citizen from the catalogue through signing in, a refused form and a sent one, to a decided case, with no accessibility violations on any page', async () => {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    const violations: Record<string, string[]> = {};
    const check = async (name: string) => {
      violations[name] = await accessibilityViolations(page);
      await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
    };

    await page.goto(web);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Apply for a public service');
    await check('catalogue');

    await page.locator('a[href="/services/business-licence/apply"]').click();
    // Not signed in: the development issuer's sign-in page, where the person says who they are.
    await page.waitForURL(/\/authorize\?/);
    await check('sign-in');
    await page.getByLabel('User name').fill(citizen);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${web}/services/business-licence/apply`);
    await check('apply');

    // Half a form: the API's problems come back next to their fields, and nothing typed is lost.
    await page.getByLabel('Full name').fill(application['Full name']);
    await page.getByLabel('Business name').fill(application['Business name']);
    await page.getByRole('button', { name: 'Send application' }).click();
    await expect.poll(() => page.locator('.govuk-error-summary').isVisible()).toBe(true);
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('Enter National identity number');
    expect(await page.locator('#f-applicant-nationalId-error').textContent()).toContain(
      'Enter National identity number',
    );
    expect(await page.getByLabel('Full name').inputValue()).toBe('Emmy Noether');
    await check('apply-errors');

    for (const [label, value] of Object.entries(application)) await page.getByLabel(label, { exact: true }).fill(value);
    await page.getByRole('button', { name: 'Send application' }).click();
    await page.waitForURL(/\/cases\/business-licence-[^?]+\?submitted=1$/);
    const caseId = await page.locator('.govuk-panel__body strong').textContent();
    expect(caseId).toMatch(/^business-licence-/);
    await check('case-sent');

    // The demo crew (partners and officer) carries the case to its decision; the page says so.
    await expect
      .poll(
        async () => {
          await page.goto(`${web}/cases/${caseId}`);
          return await page.locator('.govuk-summary-list').textContent();
        },
        { timeout: 180_000, interval: 2_000 },
      )
      .toContain('Decided');
    expect(await page.locator('.app-timeline li').count()).toBeGreaterThan(2);
    await check('case-decided');

    // Decided: the citizen rates the service (the transparency figures count it).
    await page.getByLabel('4', { exact: true }).check();
    await page.getByRole('button', { name: 'Send rating' }).click();
    await expect.poll(() => page.locator('.govuk-notification-banner').textContent()).toContain('Thank you for rating');
    expect(await page.locator('input[name="score"]').count()).toBe(0);
    await check('case-rated');

    // The public figures, with no sign-in: the rating just sent counts among them (or is withheld as too few).
    const visitor = await browser.newContext({ locale: 'en-GB' });
    const publicPage = await visitor.newPage();
    await publicPage.goto(`${web}/transparency`);
    expect(await publicPage.locator('table').textContent()).toContain('Business licence');
    violations.transparency = await accessibilityViolations(publicPage);
    await publicPage.screenshot({ path: join(screenshots, 'transparency.png'), fullPage: true });
    await visitor.close();

    await page.getByRole('link', { name: 'My cases' }).click();
    expect(await page.locator('table').textContent()).toContain('Business licence');
    await check('my-cases');

    await page.getByRole('link', { name: '简体中文' }).click();
    expect(await page.locator('h1').textContent()).toBe('我的办件');
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await check('my-cases-zh');

    expect(violations).toEqual(Object.fromEntries(Object.keys(violations).map((k) => [k, []])));
    await context.close();
  }, 300_000);

  it('can be used with the keyboard alone, from the catalogue to a sent application', async () => {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(web);
    /** Tabs until the focused element is the one wanted (at most 40 presses), as a keyboard user would. */
    const tabTo = async (matches: (el: { tag: string; text: string; label: string }) => boolean) => {
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press('Tab');
        const focused = await page.evaluate(() => {
          const el = document.activeElement as HTMLElement | null;
          const id = el?.id;
          const label = id ? (document.querySelector(`label[for="${id}"]`)?.textContent ?? '') : '';
          return { tag: el?.tagName ?? '', text: (el?.textContent ?? '').trim(), label: label.trim() };
        });
        if (matches(focused)) return;
      }
      throw new Error('the element was never reached with Tab');
    };
    await tabTo((el) => el.tag === 'A' && el.text === 'Apply: Business licence');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/authorize\?/);
    await tabTo((el) => el.label === 'User name');
    await page.keyboard.press('Control+A');
    await page.keyboard.type(`${citizen}-keys`);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${web}/services/business-licence/apply`);
    for (const [label, value] of Object.entries(application)) {
      await tabTo((el) => el.label === label);
      await page.keyboard.type(value);
    }
    await tabTo((el) => el.tag === 'BUTTON' && el.text === 'Send application');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/cases\/business-licence-[^?]+\?submitted=1$/);
    expect(await page.locator('.govuk-panel__title').textContent()).toContain('Application sent');
    await context.close();
  }, 120_000);

  it("lets an officer find a case's task in the inbox, decide it with reasons, and the case ends as decided", async () => {
    // A service of this run whose decision is for a role the demo officer does not play: only the
    // officer in the browser can decide it.
    const role = `e2e-officer-${suffix}`;
    const serviceId = `workbench-${suffix}`;
    await publishService(serviceId, 'Workbench licence', [
      { id: 'decision', classification: { core: true, critical: true }, officer: { role } },
    ]);
    const applicant = { role: 'citizen' as const, subject: `${citizen}-workbench` };
    const { caseId } = (await call('/v1/cases', applicant, 'POST', {
      serviceId,
      application: businessApplication,
    })) as { caseId: string };

    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(`${web}/officer`);
    await signInAtIssuer(
      page,
      { role: 'officer', subject: `e2e-officer-${suffix}`, agency: 'market-regulation', officerRoles: role },
      `${web}/officer`,
    );
    // The inbox's index lags a new case by a moment: the officer reloads, as people do.
    const task = await inboxTask(page, `${caseId}:decision`);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: join(screenshots, 'officer-inbox.png'), fullPage: true });
    await task.click();
    const taskUrl = page.url();

    // A second officer in the same role opens the same task before anyone has claimed it.
    const colleagueContext = await browser.newContext({ locale: 'en-GB' });
    const colleague = await colleagueContext.newPage();
    await colleague.goto(taskUrl);
    await signInAtIssuer(
      colleague,
      { role: 'officer', subject: `e2e-colleague-${suffix}`, agency: 'market-regulation', officerRoles: role },
      taskUrl,
    );
    await expect.poll(() => colleague.getByRole('button', { name: 'Claim this task' }).count()).toBe(1);

    // The first officer claims it: the decision form is theirs alone.
    await page.getByRole('button', { name: 'Claim this task' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Record the decision' }).count()).toBe(1);
    expect(await page.locator('.govuk-summary-list').first().textContent()).toContain('you: decide it below');
    await page.screenshot({ path: join(screenshots, 'officer-task-claimed.png'), fullPage: true });
    // The colleague's screen is older than the claim: the case refuses their claim, and the page says who holds it.
    await colleague.getByRole('button', { name: 'Claim this task' }).click();
    await expect
      .poll(() => colleague.locator('.govuk-notification-banner').textContent())
      .toContain('This task changed after you opened it');
    expect(await colleague.locator('.govuk-summary-list').first().textContent()).toContain(
      `another officer (e2e-officer-${suffix})`,
    );
    expect(await colleague.getByRole('button', { name: 'Record the decision' }).count()).toBe(0);
    expect(await accessibilityViolations(colleague)).toEqual([]);
    await colleagueContext.close();

    // Rejecting without a reason is refused on the page; nothing reaches the case.
    await page.getByLabel('Reject').check();
    await page.getByRole('button', { name: 'Record the decision' }).click();
    await expect.poll(() => page.locator('.govuk-error-summary').textContent()).toContain('Give at least one reason');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByLabel('Reasons').fill('the business address is a residential flat');
    await page.getByRole('button', { name: 'Record the decision' }).click();
    await page.waitForURL(/\/officer\?decided=decision$/);
    expect(await page.locator('.govuk-notification-banner').textContent()).toContain('is recorded');
    await context.close();

    await expect
      .poll(async () => (await call(`/v1/cases/${caseId}`, applicant, 'GET')).status, {
        timeout: 30_000,
        interval: 1_000,
      })
      .toBe('completed');
    expect((await call(`/v1/cases/${caseId}`, applicant, 'GET')).decision).toBe('rejected');
    decidedByOfficer = caseId;
  }, 180_000);

  it("lets a reviewing officer send a partner's work back and then compare the new attempt with it", async () => {
    // A controlled step done by one of this run's demo partners, reviewed by a role the demo officer does not play.
    const role = `e2e-reviewer-${suffix}`;
    const serviceId = `review-${suffix}`;
    await publishService(serviceId, 'Reviewed inspection', [
      {
        id: 'site-inspection',
        task: 'site-inspection@1',
        classification: { core: true, critical: false },
        partners: { select: 'best-score', only: [`steady-inspections-${suffix}`], fallback: { role } },
        review: { role },
        deadline: { hours: 48 },
        share: ['business.address'],
      },
    ]);
    const applicant = { role: 'citizen' as const, subject: `${citizen}-review` };
    const { caseId } = (await call('/v1/cases', applicant, 'POST', {
      serviceId,
      application: businessApplication,
    })) as { caseId: string };
    const taskId = `${caseId}:site-inspection`;

    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(`${web}/officer`);
    await signInAtIssuer(
      page,
      { role: 'officer', subject: `e2e-reviewer-${suffix}`, agency: 'market-regulation', officerRoles: role },
      `${web}/officer`,
    );
    await (await inboxTask(page, taskId)).click();
    await page.getByRole('button', { name: 'Claim this task' }).click();
    await expect.poll(() => page.locator('h2').allTextContents()).toContain('What the partner answered');
    expect(await page.locator('h2').allTextContents()).toContain('What the contract asks: site-inspection@1');
    await page.getByLabel('Send back for rework').check();
    await page.getByLabel('Reasons').fill('photograph the fire exit');
    await page.getByRole('button', { name: 'Record the decision' }).click();
    await page.waitForURL(/\/officer\?decided=site-inspection$/);

    // The partner does it again; the new review sets it beside the attempt sent back, with the reason.
    await expect
      .poll(
        async () => ((await call(`/v1/cases/${caseId}`, applicant, 'GET')).currentStep as { status?: string })?.status,
        {
          timeout: 30_000,
          interval: 500,
        },
      )
      .toBe('awaiting-review');
    await (await inboxTask(page, taskId)).click();
    await page.getByRole('button', { name: 'Claim this task' }).click();
    await expect
      .poll(() => page.locator('table caption').allTextContents())
      .toContain('This attempt beside the one sent back');
    expect(await page.locator('thead').textContent()).toContain('Attempt 1, sent back');
    expect(await page.locator('.govuk-inset-text').textContent()).toContain('photograph the fire exit');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: join(screenshots, 'officer-review-rework.png'), fullPage: true });
    await page.getByLabel('Approve').check();
    await page.getByRole('button', { name: 'Record the decision' }).click();
    await page.waitForURL(/\/officer\?decided=site-inspection$/);
    await context.close();
    await expect
      .poll(async () => (await call(`/v1/cases/${caseId}`, applicant, 'GET')).status, {
        timeout: 30_000,
        interval: 500,
      })
      .toBe('completed');
  }, 180_000);

  it("shows an auditor the partners' scorecards, the ledger's verdict and a case's trail", async () => {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    // The suite's ledger holds the partners of every test (and of earlier runs): the auditor
    // filters by this run's, as one looks for a partner in a long-used ledger.
    const audit = `${web}/audit?partner=${suffix}`;
    await page.goto(audit);
    await signInAtIssuer(page, { role: 'auditor', subject: `e2e-auditor-${suffix}` }, audit);
    expect(await page.locator('main').textContent()).toContain('The hash chain holds');
    // The demo partners of this run worked the demo batch: each has a row with its trend.
    expect(await page.locator('table').textContent()).toContain(`swift-checks-${suffix}`);
    const partners = await page.locator('tbody th[scope="row"]').allTextContents();
    expect(partners.length).toBeGreaterThan(0);
    expect(partners.every((p) => p.endsWith(suffix))).toBe(true);
    expect(await page.locator('svg.app-trend').count()).toBeGreaterThan(0);
    expect(await accessibilityViolations(page)).toEqual([]);
    // The first screenful.
    await page.screenshot({
      path: join(screenshots, 'audit.png'),
      fullPage: true,
      clip: { x: 0, y: 0, width: 1280, height: 1400 },
    });
    await page.getByLabel('Case reference').fill(decidedByOfficer);
    await page.getByRole('button', { name: 'Show the trail' }).click();
    await page.waitForURL(`${web}/audit/cases/${decidedByOfficer}`);
    // The ledger consumes the events a moment after they happen: the auditor reloads, as people do.
    await expect
      .poll(async () => (await page.reload(), await page.locator('main').textContent()), {
        timeout: 30_000,
        interval: 1_000,
      })
      .toContain('case.completed');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: join(screenshots, 'audit-trail.png'), fullPage: true });
    await context.close();
  }, 120_000);

  it('lets an agency administrator publish a definition, with every problem listed on the page first', async () => {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(`${web}/agency`);
    await signInAtIssuer(
      page,
      { role: 'agency-admin', subject: `e2e-admin-${suffix}`, agency: 'market-regulation' },
      `${web}/agency`,
    );
    expect(await page.locator('main').textContent()).toContain('Business licence');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({
      path: join(screenshots, 'agency.png'),
      fullPage: true,
      clip: { x: 0, y: 0, width: 1280, height: 1400 },
    });
    await page.getByRole('link', { name: 'Publish a definition' }).click();

    // The example with five mistakes, one per step: the page lists all five, and keeps the text.
    const broken = readFileSync(join(root, 'examples/invalid/five-mistakes.yaml'), 'utf8').replace(
      'id: business-licence',
      `id: broken-${suffix}`,
    );
    await page.getByLabel('Definition').fill(broken);
    await page.getByRole('button', { name: 'Publish' }).click();
    await expect.poll(() => page.locator('.govuk-error-summary li').count()).toBe(5);
    expect(await page.getByLabel('Definition').inputValue()).toBe(broken);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: join(screenshots, 'agency-publish-errors.png'), fullPage: true });

    const good = readFileSync(join(root, 'examples/business-licence.yaml'), 'utf8').replace(
      'id: business-licence',
      `id: console-${suffix}`,
    );
    await page.getByLabel('Definition').fill(good);
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.waitForURL(/\/agency\?published=/);
    expect(await page.locator('.govuk-notification-banner').textContent()).toContain(
      `console-${suffix} version 4 is published`,
    );
    await context.close();
  }, 120_000);

  it('lets a citizen withdraw a running application; the case ends withdrawn and the timeline says so', async () => {
    // A service whose decision waits for a role nobody plays: the case runs until withdrawn.
    const serviceId = `withdrawable-${suffix}`;
    await publishService(serviceId, 'Withdrawable licence', [
      { id: 'decision', classification: { core: true, critical: true }, officer: { role: `nobody-${suffix}` } },
    ]);

    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(`${web}/services/${serviceId}/apply`);
    await signInAtIssuer(page, { subject: `${citizen}-withdraws` }, `${web}/services/${serviceId}/apply`);
    for (const [label, value] of Object.entries(application)) await page.getByLabel(label, { exact: true }).fill(value);
    await page.getByRole('button', { name: 'Send application' }).click();
    await page.waitForURL(/\?submitted=1$/);
    const caseUrl = page.url().replace(/\?submitted=1$/, '');

    await page.getByRole('button', { name: 'Withdraw the application' }).click();
    await expect
      .poll(() => page.locator('.govuk-error-summary').textContent())
      .toContain('Say why you are withdrawing');
    await page.getByLabel('Why are you withdrawing?').fill('I found premises in another town');
    await page.getByRole('button', { name: 'Withdraw the application' }).click();
    await page.waitForURL(/\?withdrawn=1$/);
    expect(await page.locator('.govuk-notification-banner').textContent()).toContain('Your application is withdrawn');
    expect(await page.locator('.govuk-summary-list').textContent()).toContain('Withdrawn');
    expect(await accessibilityViolations(page)).toEqual([]);
    // The ledger records it a moment later; the timeline then says it in plain words.
    await expect
      .poll(async () => (await page.goto(caseUrl), await page.locator('.app-timeline').textContent()), {
        timeout: 30_000,
        interval: 1_000,
      })
      .toContain('You withdrew your application');
    await context.close();
  }, 120_000);
});
