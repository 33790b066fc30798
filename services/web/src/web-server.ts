import { randomBytes, randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import cookieParser from 'cookie-parser';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { decodeJwt } from 'jose';
import nunjucks from 'nunjucks';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { httpServerSpans } from '@govmesh/telemetry';
import { RATING_WINDOW_DAYS } from '@govmesh/contracts/domain-events';

import { ApiProblem, ApiUnreachable, type CaseView, type PortalApi, type ServiceDetail } from './api-client.js';
import {
  answersFrom,
  applicationFrom,
  fieldErrors,
  formFields,
  typedValues,
  type FieldError,
  type PublishedForm,
} from './application-form.js';
import { agencyPages } from './agency-pages.js';
import { auditorPages } from './auditor-pages.js';
import { officerPages } from './officer-pages.js';
import type { PageKit, PageRole } from './page-kit.js';
import { inputRequestOf } from './citizen-input.js';
import { LOCALES, formatDateTime, formatDuration, isLocale, isMessageKey, translate, type Locale } from './locale.js';
import { newSessionId, type CookieSeal, type PendingSignIn, type Session } from './session.js';
import { randomState, randomVerifier, type SignIn } from './sign-in.js';
import { countPages, type WebMetrics } from './web-metrics.js';

export interface WebDeps {
  readonly api: PortalApi;
  readonly signIn: SignIn;
  readonly seal: CookieSeal;
  readonly logger: Logger;
  /** The jurisdiction's time zone: dates are shown in it. */
  readonly timeZone: string;
  /** Cookies are marked Secure when the pages are served over HTTPS. */
  readonly secureCookies: boolean;
  /** Origins the browser may be sent to after a form (the issuer's sign-in page). */
  readonly signInOrigin: string;
  /** Where the compiled views and assets are (the package's `dist`). */
  readonly distDir?: string;
  /** What the pages count for Prometheus (served on a port of its own by the service). */
  readonly metrics?: WebMetrics;
}

const SESSION_COOKIE = 'govmesh_session';
const SIGN_IN_COOKIE = 'govmesh_sign_in';
const DRAFT_COOKIE = 'govmesh_draft';
const LANG_COOKIE = 'govmesh_lang';
/** How long a sign-in may take, and how long a draft is kept for one. */
const SIGN_IN_SECONDS = 15 * 60;
const DRAFT_SECONDS = 60 * 60;

type PageRequest = Request & { locale: Locale; session?: Session; nonce: string };
/** The cookies cookie-parser read (the types leave them `any`). */
const cookiesOf = (req: Request): Record<string, string | undefined> =>
  req.cookies as Record<string, string | undefined>;

const here = dirname(fileURLToPath(import.meta.url));

/** Only a path of these pages: never another site (an open redirect). */
const safeReturn = (value: unknown): string =>
  typeof value === 'string' && /^\/(?!\/)[\w\-./?=&%]*$/.test(value) ? value : '/';

/** The web front end as an express app; `main.ts` is the only place that listens. */
export function createWebServer(deps: WebDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  const dist = deps.distDir ?? join(here, '..', 'dist');
  const govuk = join(dirname(createRequire(import.meta.url).resolve('govuk-frontend/package.json')), 'dist');
  const views = nunjucks.configure([join(dist, 'views'), govuk], { autoescape: true, noCache: false });

  const cookie = (maxAgeSeconds: number) => ({
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: deps.secureCookies,
    path: '/',
    maxAge: maxAgeSeconds * 1000,
  });

  // First, so that the page's span is active while it calls the API (one trace from browser to ledger).
  app.use(httpServerSpans({ ignore: /^\/(healthz|assets\/)/ }));
  if (deps.metrics) app.use(countPages(deps.metrics));
  app.use((req, res, next) => {
    (req as PageRequest).nonce = randomBytes(16).toString('base64');
    next();
  });
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'script-src': ["'self'", (req) => `'nonce-${(req as PageRequest).nonce}'`],
          // A form may lead on to the issuer's sign-in page (a session that ended mid-form).
          'form-action': ["'self'", deps.signInOrigin],
        },
      },
      // The pages may be served over plain HTTP on a laptop: do not tell browsers to upgrade.
      strictTransportSecurity: deps.secureCookies,
    }),
  );
  app.use(
    pinoHttp({
      logger: deps.logger.child({ component: 'http' }),
      // Sessions and application answers hold personal data: never logged.
      redact: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]', 'req.body'],
      autoLogging: { ignore: (req) => req.url === '/healthz' || (req.url ?? '').startsWith('/assets/') },
    }),
  );
  app.use('/assets', express.static(join(dist, 'public'), { maxAge: '1h', fallthrough: false }));
  app.get('/healthz', (_req, res) => void res.json({ ok: true }));
  app.use(cookieParser());
  app.use(express.urlencoded({ extended: false, limit: '64kb' }));

  // The page's language: a choice made with the switcher, else the browser's.
  app.use((req, res, next) => {
    const page = req as PageRequest;
    const asked = req.query.lang;
    if (isLocale(asked)) {
      res.cookie(LANG_COOKIE, asked, { ...cookie(365 * 86_400), httpOnly: false });
      page.locale = asked;
    } else if (isLocale(cookiesOf(req)[LANG_COOKIE])) page.locale = cookiesOf(req)[LANG_COOKIE] as Locale;
    else {
      const best = req.acceptsLanguages('en', 'zh-CN', 'zh');
      page.locale = best === 'zh-CN' || best === 'zh' ? 'zh-CN' : 'en';
    }
    next();
  });
  // Who is signed in, if anyone (the API still checks every call's token).
  app.use((req, _res, next) => {
    deps.seal.open<Session>('session', cookiesOf(req)[SESSION_COOKIE]).then((session) => {
      if (session) (req as PageRequest).session = session;
      next();
    }, next);
  });

  const render = (req: Request, res: Response, view: string, context: Record<string, unknown>, status = 200) => {
    const page = req as PageRequest;
    const path = req.path;
    const t = (key: string, values?: Record<string, string>) =>
      isMessageKey(key) ? translate(page.locale, key, values) : key;
    const html = views.render(`${view}.njk`, {
      ...context,
      t,
      locale: page.locale,
      session: page.session,
      csrf: page.session ? deps.seal.csrfToken(page.session) : '',
      cspNonce: page.nonce,
      currentPath: req.originalUrl.replace(/([?&])lang=[^&]*&?/, '$1').replace(/[?&]$/, ''),
      languageLinks: Object.fromEntries(LOCALES.map((l) => [l, `${path}?lang=${encodeURIComponent(l)}`])),
    });
    res.status(status).type('html').send(html);
  };
  const t = (req: Request, key: Parameters<typeof translate>[1], values?: Record<string, string>) =>
    translate((req as PageRequest).locale, key, values);
  const when = (req: Request, iso: string) => formatDateTime(iso, (req as PageRequest).locale, deps.timeZone);

  /** The signed-in person in `role`, or a redirect to sign in (and back here afterwards). */
  const signedInAs = (req: Request, res: Response, role: PageRole): Session | undefined => {
    const session = (req as PageRequest).session;
    if (!session) {
      res.redirect(303, `/sign-in?returnTo=${encodeURIComponent(req.originalUrl)}`);
      return undefined;
    }
    if (session.role !== role) {
      const who = t(req, `who.${role}`);
      render(
        req,
        res,
        'problem',
        { title: t(req, 'errors.forbidden'), lines: [t(req, 'errors.forbiddenRole', { role: session.role, who })] },
        403,
      );
      return undefined;
    }
    return session;
  };
  const citizen = (req: Request, res: Response) => signedInAs(req, res, 'citizen');
  const wrap =
    (handler: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) =>
      void handler(req, res).catch(next);

  // --- Signing in: authorization code with PKCE, at the issuer ---
  app.get(
    '/sign-in',
    wrap(async (req, res) => {
      const pending: PendingSignIn = {
        verifier: randomVerifier(),
        state: randomState(),
        returnTo: safeReturn(req.query.returnTo),
      };
      const expires = Math.floor(Date.now() / 1000) + SIGN_IN_SECONDS;
      res.cookie(SIGN_IN_COOKIE, await deps.seal.seal('sign-in', { ...pending }, expires), cookie(SIGN_IN_SECONDS));
      res.redirect(303, (await deps.signIn.authorizationUrl(pending.verifier, pending.state)).toString());
    }),
  );
  app.get(
    '/sign-in/callback',
    wrap(async (req, res) => {
      const pending = await deps.seal.open<PendingSignIn>('sign-in', cookiesOf(req)[SIGN_IN_COOKIE]);
      res.clearCookie(SIGN_IN_COOKIE, { path: '/' });
      if (!pending) {
        res.redirect(303, '/sign-in');
        return;
      }
      let accessToken: string;
      let expiresIn: number;
      try {
        const callback = new URL(req.originalUrl, `${req.protocol}://${req.get('host') ?? 'localhost'}`);
        ({ accessToken, expiresIn } = await deps.signIn.complete(callback, pending.verifier, pending.state));
      } catch (err) {
        deps.metrics?.signIns.inc({ outcome: 'failed' });
        deps.logger.warn({ err }, 'sign-in failed');
        render(
          req,
          res,
          'problem',
          { title: t(req, 'errors.page'), lines: [t(req, 'signIn.failed', { reason: (err as Error).message })] },
          400,
        );
        return;
      }
      const claims = decodeJwt(accessToken);
      const exp = claims.exp ?? Math.floor(Date.now() / 1000) + expiresIn;
      const session: Session = {
        token: accessToken,
        role: typeof claims.govmesh_role === 'string' ? claims.govmesh_role : '',
        subject: claims.sub ?? '',
        ...(typeof claims.govmesh_agency === 'string' ? { agency: claims.govmesh_agency } : {}),
        sid: newSessionId(),
        exp,
      };
      res.cookie(
        SESSION_COOKIE,
        await deps.seal.seal('session', { ...session }, exp),
        cookie(exp - Math.floor(Date.now() / 1000)),
      );
      deps.metrics?.signIns.inc({ outcome: 'completed' });
      deps.logger.info({ role: session.role }, 'signed in');
      res.redirect(303, pending.returnTo);
    }),
  );
  app.post('/sign-out', (req, res) => {
    const session = (req as PageRequest).session;
    if (session && !deps.seal.csrfMatches(session, (req.body as Record<string, unknown>)._csrf)) {
      res.status(403).type('text/plain').send('this form is out of date: reload the page and try again');
      return;
    }
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.redirect(303, '/');
  });

  // --- The citizen portal ---
  app.get(
    '/',
    wrap(async (req, res) => {
      const services = await deps.api.services();
      render(req, res, 'catalogue', { title: t(req, 'catalogue.title'), section: 'services', services });
    }),
  );

  /** The form revision a service's live version was published with (its pin), else the form's latest. */
  async function formOf(service: ServiceDetail): Promise<PublishedForm> {
    const live = service.versions.find((v) => v.version === service.liveVersion);
    const pin = live?.contracts?.application;
    if (pin) return await deps.api.form(pin.ref, pin.revision);
    const ref = service.definition.application?.schema;
    if (!ref) throw new ApiProblem(404, 'SERVICE.NO_FORM', `${service.id} names no application form`);
    return await deps.api.form(ref);
  }

  const renderApply = (
    req: Request,
    res: Response,
    service: ServiceDetail,
    form: PublishedForm,
    values: Record<string, string>,
    errors: FieldError[],
    options: { status?: number; notice?: string; idempotencyKey?: string } = {},
  ) => {
    const locale = (req as PageRequest).locale;
    render(
      req,
      res,
      'apply',
      {
        title: t(req, 'apply.title', { service: service.title }),
        section: 'services',
        serviceId: service.id,
        fields: formFields(form, locale, values, errors),
        errors: errors.map((e) => ({ text: e.text, href: e.href })),
        idempotencyKey: options.idempotencyKey ?? randomUUID(),
        ...(options.notice ? { notice: options.notice } : {}),
      },
      options.status,
    );
  };

  app.get(
    '/services/:id/apply',
    wrap(async (req, res) => {
      const session = citizen(req, res);
      if (!session) return;
      const service = await deps.api.service(String(req.params.id));
      const form = await formOf(service);
      // What was typed before a session ended, kept through signing in again.
      const draft = await deps.seal.open<{ serviceId: string; values: Record<string, string>; key: string }>(
        'draft',
        cookiesOf(req)[DRAFT_COOKIE],
      );
      if (draft?.serviceId === service.id) {
        res.clearCookie(DRAFT_COOKIE, { path: '/' });
        renderApply(req, res, service, form, draft.values, [], {
          notice: t(req, 'errors.session'),
          idempotencyKey: draft.key,
        });
        return;
      }
      renderApply(req, res, service, form, {}, []);
    }),
  );
  app.post(
    '/services/:id/apply',
    wrap(async (req, res) => {
      const posted = req.body as Record<string, unknown>;
      const service = await deps.api.service(String(req.params.id));
      const form = await formOf(service);
      const values = typedValues(form, posted);
      const key = typeof posted._idempotency === 'string' && posted._idempotency ? posted._idempotency : randomUUID();
      const session = (req as PageRequest).session;
      if (!session || !deps.seal.csrfMatches(session, posted._csrf)) {
        // The session ended (or the page is from before it began): keep what was typed, sign in, come back.
        const expires = Math.floor(Date.now() / 1000) + DRAFT_SECONDS;
        res.cookie(
          DRAFT_COOKIE,
          await deps.seal.seal('draft', { serviceId: service.id, values, key }, expires),
          cookie(DRAFT_SECONDS),
        );
        res.redirect(303, `/sign-in?returnTo=${encodeURIComponent(`/services/${service.id}/apply`)}`);
        return;
      }
      if (!citizen(req, res)) return;
      try {
        const { caseId } = await deps.api.submit(session.token, service.id, applicationFrom(form, posted), key);
        res.redirect(303, `/cases/${encodeURIComponent(caseId)}?submitted=1`);
      } catch (err) {
        if (err instanceof ApiProblem && err.status === 400 && err.errors.length) {
          const locale = (req as PageRequest).locale;
          renderApply(req, res, service, form, values, fieldErrors(form, locale, err.errors), {
            status: 400,
            idempotencyKey: key,
          });
          return;
        }
        throw err;
      }
    }),
  );

  const statusOf = (req: Request, status: string) => ({
    statusText: isMessageKey(`status.${status}`) ? t(req, `status.${status}` as 'status.running') : status,
    statusClass:
      { running: 'govuk-tag--blue', completed: 'govuk-tag--green', failed: 'govuk-tag--red' }[status] ??
      'govuk-tag--grey',
  });
  const stepSays = (
    req: Request,
    step: { stepId: string; status: string; says: string; delayed?: true } | null,
  ): string | undefined => {
    if (!step) return undefined;
    const key = step.delayed ? 'step.delayed' : `step.${step.status}`;
    return isMessageKey(key) ? t(req, key, { step: step.stepId.replace(/-/g, ' ') }) : step.says;
  };
  /** The case's decision in the page's language (the API gives a code: approved, rejected, completed). */
  const decisionText = (req: Request, decision: string | undefined): string | undefined => {
    if (!decision) return undefined;
    const key = `decision.${decision}`;
    return isMessageKey(key) ? t(req, key) : decision;
  };
  /** A line of the citizen's timeline in the page's language, from its event's code; else as the API said it. */
  const timelineText = (req: Request, entry: CaseView['timeline'][number]): string => {
    // The receipt names the statutory deadline when the service has one.
    const key = `timeline.${entry.event ?? ''}${entry.event === 'received' && entry.values?.due ? '-due' : ''}`;
    if (!entry.event || !isMessageKey(key)) return entry.what;
    const values = { ...entry.values };
    if (values.due) values.due = when(req, values.due);
    if (values.decision) values.decision = decisionText(req, values.decision) ?? values.decision;
    return t(req, key, values);
  };
  const titles = async (): Promise<Map<string, string>> =>
    new Map((await deps.api.services()).map((s) => [s.id, s.title]));

  app.get(
    '/cases',
    wrap(async (req, res) => {
      const session = citizen(req, res);
      if (!session) return;
      const [cases, serviceTitles] = await Promise.all([deps.api.myCases(session.token), titles()]);
      render(req, res, 'cases', {
        title: t(req, 'cases.title'),
        section: 'cases',
        cases: cases.map((c) => ({
          caseId: c.caseId,
          serviceTitle: serviceTitles.get(c.serviceId) ?? c.serviceId,
          submitted: when(req, c.submittedAt),
          ...statusOf(req, c.status),
          says: stepSays(req, c.currentStep) ?? decisionText(req, c.decision) ?? '',
        })),
      });
    }),
  );
  /** A case page, with the form its current step asks for (more input) or, once it ended, the rating. */
  async function renderCase(
    req: Request,
    res: Response,
    session: Session,
    caseId: string,
    options: {
      values?: Record<string, string>;
      errors?: FieldError[];
      status?: number;
      withdrawError?: string;
      withdrawReason?: string;
    } = {},
  ): Promise<void> {
    const [view, serviceTitles] = await Promise.all([deps.api.case(session.token, caseId), titles()]);
    const locale = (req as PageRequest).locale;
    let input: Record<string, unknown> | undefined;
    if (view.currentStep?.status === 'awaiting-citizen') {
      const definition = await deps.api.definition(view.serviceId, view.serviceVersion);
      const asked = inputRequestOf(definition, view.currentStep.stepId);
      if (asked) {
        const form = await formOf(await deps.api.service(view.serviceId));
        const errors = options.errors ?? [];
        input = {
          stepId: asked.stepId,
          prompt: asked.prompt,
          fields: formFields(form, locale, options.values ?? {}, errors)
            .filter((f) => asked.fields.includes(f.name))
            .map((f) => ({ ...f, required: true })),
          errors: errors.map((e) => ({ text: e.text, href: e.href })),
        };
      }
    }
    const ended = view.status === 'completed' || view.status === 'failed';
    render(
      req,
      res,
      'case',
      {
        title: t(req, 'case.title'),
        section: 'cases',
        view,
        submitted: req.query.submitted === '1',
        notice:
          req.query.answered === '1'
            ? t(req, 'case.answered')
            : req.query.rated === '1'
              ? t(req, 'case.rated')
              : req.query.ratingClosed === '1'
                ? t(req, 'rating.closed', { days: String(RATING_WINDOW_DAYS) })
                : req.query.withdrawn === '1'
                  ? t(req, 'withdraw.done')
                  : undefined,
        serviceTitle: serviceTitles.get(view.serviceId) ?? view.serviceId,
        ...statusOf(req, view.status),
        says: stepSays(req, view.currentStep),
        stepDeadline: view.currentStep?.deadline ? when(req, view.currentStep.deadline) : undefined,
        statutoryDeadline: view.deadline
          ? view.deadlineStatus === 'paused' || view.deadlineStatus === 'breached'
            ? `${when(req, view.deadline)} (${t(req, view.deadlineStatus === 'paused' ? 'case.deadlinePaused' : 'case.deadlineBreached')})`
            : when(req, view.deadline)
          : undefined,
        decision: decisionText(req, view.decision),
        timeline: view.timeline.map((e) => ({ time: when(req, e.time), what: timelineText(req, e) })),
        input,
        // The form shows while the rating window is open (the API refuses a rating after it).
        rating:
          ended &&
          req.query.rated !== '1' &&
          (view.ratingOpenUntil === undefined || Date.parse(view.ratingOpenUntil) > Date.now()),
        ratingUntil: view.ratingOpenUntil
          ? t(req, 'rating.until', { until: when(req, view.ratingOpenUntil) })
          : undefined,
        withdrawable: view.status === 'running',
        withdrawError: options.withdrawError,
        withdrawReason: options.withdrawReason ?? '',
        ratingError: req.query.ratingError === '1' ? t(req, 'rating.choose') : undefined,
      },
      options.status,
    );
  }

  app.get(
    '/cases/:id',
    wrap(async (req, res) => {
      const session = citizen(req, res);
      if (!session) return;
      await renderCase(req, res, session, String(req.params.id));
    }),
  );
  /** A form posted by the signed-in person in `role`, with its anti-forgery token checked; else a redirect to sign in. */
  const postedBy = (req: Request, res: Response, role: PageRole = 'citizen'): Session | undefined => {
    const session = (req as PageRequest).session;
    if (!session || !deps.seal.csrfMatches(session, (req.body as Record<string, unknown>)._csrf)) {
      res.redirect(303, `/sign-in?returnTo=${encodeURIComponent(req.path)}`);
      return undefined;
    }
    return signedInAs(req, res, role);
  };
  app.post(
    '/cases/:id/input',
    wrap(async (req, res) => {
      const session = postedBy(req, res);
      if (!session) return;
      const caseId = String(req.params.id);
      const posted = req.body as Record<string, unknown>;
      const view = await deps.api.case(session.token, caseId);
      const stepId = typeof posted._step === 'string' ? posted._step : '';
      const asked = inputRequestOf(await deps.api.definition(view.serviceId, view.serviceVersion), stepId);
      const form = await formOf(await deps.api.service(view.serviceId));
      if (!asked) {
        res.redirect(303, `/cases/${encodeURIComponent(caseId)}`);
        return;
      }
      const values = answersFrom(form, posted, asked.fields);
      const typed = Object.fromEntries(asked.fields.map((f) => [f, typeof posted[f] === 'string' ? posted[f] : '']));
      const missing = asked.fields.filter((f) => !(f in values));
      const locale = (req as PageRequest).locale;
      // Every field asked for is wanted: say so here rather than send half an answer.
      if (missing.length) {
        const problems = missing.map((f) => ({ path: `body.values.${f}`, message: 'is required' }));
        await renderCase(req, res, session, caseId, {
          values: typed,
          errors: fieldErrors(form, locale, problems, 'body.values'),
          status: 400,
        });
        return;
      }
      try {
        await deps.api.provideInput(session.token, caseId, stepId, values);
      } catch (err) {
        if (err instanceof ApiProblem && err.errors.length) {
          await renderCase(req, res, session, caseId, {
            values: typed,
            errors: fieldErrors(form, locale, err.errors, 'body.values'),
            status: 400,
          });
          return;
        }
        throw err;
      }
      res.redirect(303, `/cases/${encodeURIComponent(caseId)}?answered=1`);
    }),
  );
  app.post(
    '/cases/:id/withdrawal',
    wrap(async (req, res) => {
      const session = postedBy(req, res);
      if (!session) return;
      const caseId = String(req.params.id);
      const posted = (req.body as Record<string, unknown>).reason;
      const reason = typeof posted === 'string' ? posted.trim() : '';
      const again = (error: string) =>
        renderCase(req, res, session, caseId, { status: 400, withdrawError: error, withdrawReason: reason });
      if (!reason) return await again(t(req, 'withdraw.needReason'));
      try {
        await deps.api.withdraw(session.token, caseId, reason);
      } catch (err) {
        // Ended meanwhile (decided, or withdrawn from another tab): the case page says how it stands.
        if (err instanceof ApiProblem && err.status === 409) {
          res.redirect(303, `/cases/${encodeURIComponent(caseId)}`);
          return;
        }
        throw err;
      }
      res.redirect(303, `/cases/${encodeURIComponent(caseId)}?withdrawn=1`);
    }),
  );
  app.post(
    '/cases/:id/rating',
    wrap(async (req, res) => {
      const session = postedBy(req, res);
      if (!session) return;
      const caseId = encodeURIComponent(String(req.params.id));
      const score = Number((req.body as Record<string, unknown>).score);
      if (!Number.isInteger(score) || score < 1 || score > 5) {
        res.redirect(303, `/cases/${caseId}?ratingError=1#rating`);
        return;
      }
      try {
        await deps.api.rate(session.token, String(req.params.id), score);
      } catch (err) {
        // The window closed while the page was open: the case page says so.
        if (err instanceof ApiProblem && err.code === 'CASE.RATING_CLOSED') {
          res.redirect(303, `/cases/${caseId}?ratingClosed=1`);
          return;
        }
        // Rated already (another tab): the rating stands, as the person meant.
        if (!(err instanceof ApiProblem && err.code === 'CASE.RATED')) throw err;
      }
      res.redirect(303, `/cases/${caseId}?rated=1`);
    }),
  );

  const kit: PageKit = {
    api: deps.api,
    titles,
    render,
    t: (req, key, values) => t(req, key, values),
    when,
    wrap,
    signedInAs,
    postedBy,
    locale: (req) => (req as PageRequest).locale,
  };
  officerPages(app, kit);
  auditorPages(app, kit);
  agencyPages(app, kit);

  // --- The public transparency page: no sign-in ---
  app.get(
    '/transparency',
    wrap(async (req, res) => {
      const locale = (req as PageRequest).locale;
      const [figures, serviceTitles] = await Promise.all([deps.api.transparency(), titles()]);
      const below = String(figures[0]?.suppressedBelow ?? '');
      const withheld = t(req, 'transparency.withheld', { below });
      const number = new Intl.NumberFormat(locale);
      const percent = new Intl.NumberFormat(locale, { style: 'percent' });
      // A missing figure is withheld when its count was; otherwise there is nothing to show yet.
      const shown = (value: number | null, format: (v: number) => string, basis: number | null) =>
        value !== null ? format(value) : basis === null ? withheld : t(req, 'transparency.none');
      render(req, res, 'transparency', {
        title: t(req, 'transparency.title'),
        section: 'transparency',
        below,
        // The services of the catalogue: a ledger also holds cases of services long withdrawn.
        rows: figures
          .filter((f) => serviceTitles.has(f.serviceId))
          .map((f) => ({
            title: serviceTitles.get(f.serviceId) ?? f.serviceId,
            received: shown(f.received, (v) => number.format(v), null),
            completed: shown(f.completed, (v) => number.format(v), null),
            failed: shown(f.failed, (v) => number.format(v), null),
            onTime: shown(f.withinStatutoryDeadline, (v) => percent.format(v), f.completed === 0 ? 0 : null),
            onTimeWidth: Math.round((f.withinStatutoryDeadline ?? 0) * 20) * 5,
            breaches: shown(f.statutoryBreaches === undefined ? 0 : f.statutoryBreaches, (v) => number.format(v), null),
            median: shown(f.medianProcessingMs, (v) => formatDuration(v, locale), f.completed === 0 ? 0 : null),
            satisfaction: shown(
              f.satisfaction.average,
              (v) => `${number.format(Math.round(v * 10) / 10)} (${number.format(f.satisfaction.ratings ?? 0)})`,
              f.satisfaction.ratings === 0 ? 0 : null,
            ),
          })),
      });
    }),
  );

  app.use((req: Request, res: Response) => {
    render(req, res, 'problem', { title: t(req, 'errors.notFound'), lines: [] }, 404);
  });
  // Every failure becomes a page in the person's language; the API's own words for 404 and 403.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof ApiProblem && (err.status === 404 || err.status === 410 || err.status === 403)) {
      render(
        req,
        res,
        'problem',
        { title: t(req, err.status === 403 ? 'errors.forbidden' : 'errors.notFound'), lines: [err.message] },
        err.status,
      );
      return;
    }
    if (err instanceof ApiProblem && err.status === 401) {
      res.clearCookie(SESSION_COOKIE, { path: '/' });
      res.redirect(303, `/sign-in?returnTo=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    // The API said when to ask again (the audit read model reading the ledger at its start, say):
    // pass that on to the person and their browser; nothing failed that needs a look.
    if (err instanceof ApiProblem && err.status === 503 && err.retryAfterSeconds !== undefined) {
      deps.logger.warn({ code: err.code, path: req.path, retryAfterSeconds: err.retryAfterSeconds }, 'API busy');
      res.setHeader('Retry-After', String(err.retryAfterSeconds));
      render(
        req,
        res,
        'problem',
        {
          title: t(req, 'errors.page'),
          lines: [t(req, 'errors.tryAgainIn', { seconds: String(err.retryAfterSeconds) })],
        },
        503,
      );
      return;
    }
    if (err instanceof ApiUnreachable) deps.metrics?.apiUnreachable.inc();
    deps.logger.error(
      { err, code: (err as { code?: string }).code, path: req.path },
      err instanceof ApiUnreachable ? 'the API did not answer' : 'page failed',
    );
    render(req, res, 'problem', { title: t(req, 'errors.page'), lines: [t(req, 'errors.tryLater')] }, 503);
  });
  return app;
}
