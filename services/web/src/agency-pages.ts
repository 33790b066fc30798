import type express from 'express';
import { parse } from 'yaml';

import { ApiProblem, type PartnerProfile } from './api-client.js';
import { isMessageKey } from './locale.js';
import type { PageKit } from './page-kit.js';

const STATUSES = ['active', 'suspended', 'terminated'] as const;

/**
 * The agency console: the agency's services and their versions, publishing a definition (every
 * problem the API finds listed with its path), and the partners (suspend, reinstate, terminate,
 * a new Kafka password shown once).
 */
export function agencyPages(app: express.Express, kit: PageKit): void {
  const statusText = (req: express.Request, status: string) => {
    const key = `status.${status}`;
    return isMessageKey(key) ? kit.t(req, key) : status;
  };

  async function renderConsole(
    req: express.Request,
    res: express.Response,
    token: string,
    agency: string,
    notice?: string,
    problem?: string,
    status = 200,
  ): Promise<void> {
    const [catalogue, partners] = await Promise.all([kit.api.services(), kit.api.partners(token)]);
    const ours = catalogue.filter((s) => s.ownerAgency === agency);
    const details = await Promise.all(ours.map((s) => kit.api.service(s.id)));
    kit.render(
      req,
      res,
      'agency',
      {
        title: kit.t(req, 'agency.title', { agency }),
        section: 'agency',
        notice,
        problem,
        services: details.map((d) => ({
          id: d.id,
          title: d.title,
          live: d.liveVersion === null ? '–' : String(d.liveVersion),
          versions: d.versions
            .map((v) => `${v.version} (${statusText(req, (v as { status?: string }).status ?? '')})`)
            .join(', '),
        })),
        partners: partners.map((p) => ({
          ...p,
          capabilities: p.capabilities.join(', '),
          statusText: statusText(req, p.status),
          actions:
            p.status === 'terminated'
              ? []
              : p.status === 'active'
                ? ['suspended', 'terminated']
                : ['active', 'terminated'],
        })),
      },
      status,
    );
  }

  app.get(
    '/agency',
    kit.wrap(async (req, res) => {
      const session = kit.signedInAs(req, res, 'agency-admin');
      if (!session) return;
      const published = typeof req.query.published === 'string' ? req.query.published.split('@') : undefined;
      const changed = typeof req.query.changed === 'string' ? req.query.changed.split(':') : undefined;
      const notice = published
        ? kit.t(req, 'agency.published', { service: published[0] ?? '', version: published[1] ?? '' })
        : changed
          ? kit.t(req, 'agency.changed', { partner: changed[0] ?? '', status: statusText(req, changed[1] ?? '') })
          : undefined;
      await renderConsole(req, res, session.token, session.agency ?? '', notice);
    }),
  );

  /** A page where a document is pasted (a definition, a partner profile), with every problem listed. */
  const pastePage =
    (kind: 'publish' | 'onboard') =>
    (req: express.Request, res: express.Response, text: string, problems: string[], status = 200) =>
      kit.render(
        req,
        res,
        'agency-publish',
        {
          title: kit.t(req, `${kind}.title`),
          lead: kit.t(req, `${kind}.lead`),
          label: kit.t(req, `${kind}.label`),
          submit: kit.t(req, `${kind}.submit`),
          action: kind === 'publish' ? '/agency/publish' : '/agency/partners',
          section: 'agency',
          text,
          errors: problems.map((p) => ({ text: p, href: '#definition' })),
        },
        status,
      );
  const renderPublish = pastePage('publish');
  const renderOnboard = pastePage('onboard');

  /** The YAML or JSON pasted, or why it cannot be read (YAML is a superset of JSON: one parser reads both). */
  const pasted = (req: express.Request): { text: string; document?: unknown; problem?: string } => {
    const posted = (req.body as Record<string, unknown>).definition;
    const text = typeof posted === 'string' ? posted : '';
    try {
      return { text, document: parse(text) };
    } catch (err) {
      return {
        text,
        problem: kit.t(req, 'publish.unreadable', { reason: (err as Error).message.split('\n')[0] ?? '' }),
      };
    }
  };
  /** The API's refusal as the page's list: each problem with where it is, else its one message. */
  const problemsOf = (err: ApiProblem) =>
    err.errors.length ? err.errors.map((e) => `${e.path}: ${e.message}`) : [err.message];

  app.get(
    '/agency/partners/new',
    kit.wrap((req, res) => {
      if (kit.signedInAs(req, res, 'agency-admin')) renderOnboard(req, res, '', []);
      return Promise.resolve();
    }),
  );
  app.post(
    '/agency/partners',
    kit.wrap(async (req, res) => {
      const session = kit.postedBy(req, res, 'agency-admin');
      if (!session) return;
      const { text, document, problem } = pasted(req);
      if (problem) return renderOnboard(req, res, text, [problem], 400);
      try {
        const onboarded = await kit.api.onboardPartner(session.token, document);
        // Never cached or logged: the partner's Kafka password is shown once, as the API answers it once.
        res.set('Cache-Control', 'no-store');
        kit.render(req, res, 'agency-credentials', {
          title: kit.t(req, 'agency.onboardedTitle', { partner: onboarded.id }),
          section: 'agency',
          kafka: { ...onboarded.kafka, brokers: onboarded.kafka.brokers.join(', ') },
        });
      } catch (err) {
        if (err instanceof ApiProblem && err.status >= 400 && err.status < 500)
          return renderOnboard(req, res, text, problemsOf(err), err.status);
        throw err;
      }
    }),
  );

  app.get(
    '/agency/publish',
    kit.wrap((req, res) => {
      if (kit.signedInAs(req, res, 'agency-admin')) renderPublish(req, res, '', []);
      return Promise.resolve();
    }),
  );
  app.post(
    '/agency/publish',
    kit.wrap(async (req, res) => {
      const session = kit.postedBy(req, res, 'agency-admin');
      if (!session) return;
      const { text, document: definition, problem } = pasted(req);
      if (problem) {
        renderPublish(req, res, text, [problem], 400);
        return;
      }
      const id = (definition as { id?: unknown } | null)?.id;
      if (typeof id !== 'string' || !id) {
        renderPublish(req, res, text, [kit.t(req, 'publish.noId')], 400);
        return;
      }
      try {
        const published = await kit.api.publishService(session.token, id, definition);
        res.redirect(303, `/agency?published=${encodeURIComponent(`${published.id}@${published.version}`)}`);
      } catch (err) {
        if (err instanceof ApiProblem && err.status >= 400 && err.status < 500) {
          // Every problem, each with where it is: the API checks the definition as a whole.
          renderPublish(req, res, text, problemsOf(err), err.status);
          return;
        }
        throw err;
      }
    }),
  );

  app.get(
    '/agency/services/:id/cases',
    kit.wrap(async (req, res) => {
      const session = kit.signedInAs(req, res, 'agency-admin');
      if (!session) return;
      const serviceId = String(req.params.id);
      const [cases, titles] = await Promise.all([kit.api.liveCases(session.token, serviceId), kit.titles()]);
      const title = titles.get(serviceId) ?? serviceId;
      kit.render(req, res, 'agency-cases', {
        title: kit.t(req, 'agency.liveTitle', { service: title }),
        section: 'agency',
        cases: cases.map((c) => ({
          caseId: c.caseId,
          submitted: kit.when(req, c.submittedAt),
          step: c.currentStep ? `${c.currentStep.stepId.replace(/-/g, ' ')} (${c.currentStep.status})` : '–',
          due: c.currentStep?.deadline ? kit.when(req, c.currentStep.deadline) : '–',
        })),
      });
    }),
  );

  app.post(
    '/agency/partners/:id',
    kit.wrap(async (req, res) => {
      const session = kit.postedBy(req, res, 'agency-admin');
      if (!session) return;
      const id = String(req.params.id);
      const body = req.body as Record<string, unknown>;
      const action = typeof body.action === 'string' ? body.action : '';
      const reason = typeof body.reason === 'string' ? body.reason.trim() : '';
      try {
        if (action === 'rotate') {
          const kafka = await kit.api.rotateCredentials(session.token, id);
          // Never cached or logged: shown once, as the API answers it once.
          res.set('Cache-Control', 'no-store');
          kit.render(req, res, 'agency-credentials', {
            title: kit.t(req, 'agency.credentialsTitle', { partner: id }),
            section: 'agency',
            kafka: { ...kafka, brokers: kafka.brokers.join(', ') },
          });
          return;
        }
        if (!STATUSES.includes(action as PartnerProfile['status'])) {
          res.redirect(303, '/agency');
          return;
        }
        if (reason.length < 5) {
          await renderConsole(
            req,
            res,
            session.token,
            session.agency ?? '',
            undefined,
            kit.t(req, 'agency.needReason'),
            400,
          );
          return;
        }
        await kit.api.changePartner(session.token, id, action as PartnerProfile['status'], reason);
        res.redirect(303, `/agency?changed=${encodeURIComponent(`${id}:${action}`)}`);
      } catch (err) {
        if (err instanceof ApiProblem && err.status >= 400 && err.status < 500) {
          const problem = kit.t(req, 'agency.refused', { reason: err.message });
          await renderConsole(req, res, session.token, session.agency ?? '', undefined, problem, err.status);
          return;
        }
        throw err;
      }
    }),
  );
}
