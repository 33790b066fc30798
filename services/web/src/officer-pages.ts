import type express from 'express';
import type { Request, Response } from 'express';

import { ApiProblem, type OfficerDecision, type OfficerTask, type OfficerTaskDetail } from './api-client.js';
import {
  applicationFrom,
  contractForm,
  fieldErrors,
  formFields,
  typedValues,
  type FieldError,
} from './application-form.js';
import { stepOf } from './citizen-input.js';
import type { PageKit } from './page-kit.js';
import type { Session } from './session.js';

/** Cases per page of the inbox: the tasks of fifty cases fit a screen and a quick answer. */
const INBOX_PAGE_SIZE = 50;

/**
 * The officer workbench: the inbox for the officer's roles, overdue first; a task's page with a
 * partner's work beside its contract (a review) or a result form (work done in-house); decisions
 * with reasons.
 */
export function officerPages(app: express.Express, kit: PageKit): void {
  const words = (id: string) => id.replace(/-/g, ' ');
  const kindOf = (task: OfficerTask, step: Record<string, unknown> | undefined) =>
    task.kind === 'review' ? 'review' : step && typeof step.task === 'string' ? 'fallback' : 'officer';
  const kindText = (req: Request, kind: string) => kit.t(req, `inbox.kind.${kind}` as 'inbox.kind.officer');

  app.get(
    '/officer',
    kit.wrap(async (req, res) => {
      const session = kit.signedInAs(req, res, 'officer');
      if (!session) return;
      const asked = typeof req.query.page === 'string' ? req.query.page : undefined;
      const pageOf = (pageToken: string | undefined) =>
        kit.api.inbox(session.token, { pageSize: INBOX_PAGE_SIZE, ...(pageToken !== undefined ? { pageToken } : {}) });
      let pageGone = false;
      const [page, serviceTitles] = await Promise.all([
        pageOf(asked).catch((err: unknown) => {
          // A page token from before a release (or mistyped): the first page, saying so.
          if (asked === undefined || !(err instanceof ApiProblem) || err.status !== 400) throw err;
          pageGone = true;
          return pageOf(undefined);
        }),
        kit.titles(),
      ]);
      const tasks = page.tasks;
      const now = Date.now();
      // Overdue first, then by due date; a task with no deadline last.
      const due = (task: OfficerTask) => (task.deadline ? Date.parse(task.deadline) : Number.POSITIVE_INFINITY);
      const sorted = [...tasks].sort((a, b) => due(a) - due(b));
      const roles = [...new Set(tasks.map((task) => task.role))];
      kit.render(req, res, 'officer-inbox', {
        title: kit.t(req, 'inbox.title'),
        section: 'inbox',
        roles: roles.join(', ') || '–',
        pageLead: kit.t(req, 'inbox.pageLead', { size: String(INBOX_PAGE_SIZE) }),
        nextPage:
          page.nextPageToken !== undefined ? `/officer?page=${encodeURIComponent(page.nextPageToken)}` : undefined,
        laterPage: asked !== undefined && !pageGone,
        notice: pageGone
          ? kit.t(req, 'inbox.pageGone')
          : typeof req.query.released === 'string'
            ? kit.t(req, 'task.released', { task: words(req.query.released) })
            : typeof req.query.decided === 'string'
              ? kit.t(req, 'task.decided', { task: words(req.query.decided) })
              : undefined,
        tasks: sorted.map((task) => ({
          ...task,
          step: words(task.stepId),
          kindText: kindText(req, task.kind === 'review' ? 'review' : 'officer'),
          serviceTitle: serviceTitles.get(task.serviceId) ?? task.serviceId,
          due: task.deadline ? kit.when(req, task.deadline) : kit.t(req, 'inbox.noDeadline'),
          overdue: due(task) < now,
          holder: task.claimedBy === session.subject ? kit.t(req, 'inbox.you') : (task.claimedBy ?? '–'),
        })),
      });
    }),
  );

  /** The task as the case holds it now, or undefined when it no longer waits (someone decided it). */
  async function waitingTask(session: Session, taskId: string): Promise<OfficerTaskDetail | undefined> {
    try {
      return await kit.api.task(session.token, taskId);
    } catch (err) {
      if (err instanceof ApiProblem && (err.status === 409 || err.status === 404)) return undefined;
      throw err;
    }
  }

  const taskGone = (req: Request, res: Response, status: number) =>
    kit.render(req, res, 'problem', { title: kit.t(req, 'errors.notFound'), lines: [kit.t(req, 'task.gone')] }, status);

  /** The words for a value of a partner's output, as a reviewing officer reads it. */
  const shown = (req: Request, v: unknown) =>
    v === undefined
      ? kit.t(req, 'task.notAnswered')
      : Array.isArray(v) && v.length === 0
        ? kit.t(req, 'task.none')
        : Array.isArray(v)
          ? v.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join('; ')
          : typeof v === 'string'
            ? v
            : JSON.stringify(v);
  const valueAt = (output: Record<string, unknown>, path: string) =>
    path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], output);

  /**
   * A task's page: what it is, the partner's work beside its contract (and beside the attempt sent
   * back, after rework), who holds it, and, for the officer who claimed it, the form to decide.
   */
  async function renderTask(
    req: Request,
    res: Response,
    session: Session,
    taskId: string,
    posted: {
      values?: Record<string, string>;
      errors?: FieldError[];
      decision?: string;
      reasons?: string;
      notice?: string;
    } = {},
    status = 200,
  ): Promise<void> {
    const task = await waitingTask(session, taskId);
    if (!task) return taskGone(req, res, 404);
    const locale = kit.locale(req);
    const view = await kit.api.case(session.token, task.caseId);
    const step = stepOf(await kit.api.definition(view.serviceId, view.serviceVersion), task.stepId);
    const kind = kindOf(task, step);
    const ref = typeof step?.task === 'string' ? step.task : undefined;
    const contract = ref ? await kit.api.taskType(ref) : undefined;
    const serviceTitles = await kit.titles();
    const errors = posted.errors ?? [];
    let review: Record<string, unknown> | undefined;
    let record: Record<string, unknown> | undefined;
    if (kind === 'review' && contract) {
      const fields = formFields(contractForm(contract.title, contract.output), locale);
      const output = task.output ?? {};
      const previous = task.previousAttempt;
      review = {
        contract: ref,
        answered: fields.map((f) => {
          const now = shown(req, valueAt(output, f.name));
          const before = previous ? shown(req, valueAt(previous.output, f.name)) : undefined;
          return { field: f.label, value: now, ...(previous ? { before, changed: before !== now } : {}) };
        }),
        asks: fields.map((f) => ({
          field: f.label,
          type: f.kind,
          required: kit.t(req, f.required ? 'task.required' : 'task.optional'),
        })),
        ...(previous
          ? {
              previous: {
                heading: kit.t(req, 'task.previousAttempt', { attempt: String(previous.attempt) }),
                reasons: previous.reasons,
              },
            }
          : {}),
      };
    }
    if (kind === 'fallback' && contract) {
      const form = contractForm(contract.title, contract.output);
      record = { contract: ref, fields: formFields(form, locale, posted.values ?? {}, errors) };
    }
    const decisions =
      kind === 'review' ? ['approve', 'request-rework'] : kind === 'officer' ? ['approve', 'reject'] : ['approve'];
    const label = { approve: 'task.approve', reject: 'task.reject', 'request-rework': 'task.rework' } as const;
    const mine = task.claimedBy === session.subject;
    kit.render(
      req,
      res,
      'officer-task',
      {
        title: `${kindText(req, kind)}: ${words(task.stepId)}`,
        section: 'inbox',
        task: {
          ...task,
          step: words(task.stepId),
          kindText: kindText(req, kind),
          serviceTitle: serviceTitles.get(task.serviceId) ?? task.serviceId,
          due: task.deadline ? kit.when(req, task.deadline) : kit.t(req, 'inbox.noDeadline'),
        },
        // Only the officer who claimed the task decides it; the claim's version goes with the decision.
        claim: mine
          ? { mine: true, text: kit.t(req, 'task.claimedByYou') }
          : task.claimedBy
            ? { other: true, text: kit.t(req, 'task.claimedBy', { officer: task.claimedBy }) }
            : { open: true, text: kit.t(req, 'task.unclaimed') },
        version: task.version ?? '',
        notice: posted.notice,
        review,
        record,
        choices: decisions.map((d) => ({
          value: d,
          text: kit.t(req, label[d as keyof typeof label]),
          checked: posted.decision === d,
        })),
        reasons: posted.reasons ?? '',
        errors: errors.map((e) => ({ text: e.text, href: e.href })),
        decisionError: errors.find((e) => e.field === 'decision')?.text,
        reasonsError: errors.find((e) => e.field === 'reasons')?.text,
      },
      status,
    );
  }

  /** The version a posted form carries (the task's, when its page was drawn). */
  const postedVersion = (body: Record<string, unknown>): number | undefined => {
    const v = typeof body.version === 'string' ? Number(body.version) : NaN;
    return Number.isInteger(v) && v > 0 ? v : undefined;
  };
  /** A claim or decision the case refused because the task moved on: the page again, as it is now, saying why. */
  const MOVED_ON = ['CASE.TASK_CLAIMED', 'CASE.TASK_CHANGED', 'CASE.NOT_YOUR_CLAIM'] as const;
  const movedOn = (err: unknown): err is ApiProblem =>
    err instanceof ApiProblem && (MOVED_ON as readonly string[]).includes(err.code);
  const movedOnText = (req: Request, err: ApiProblem) =>
    kit.t(req, `task.movedOn.${err.code as (typeof MOVED_ON)[number]}`);

  app.get(
    '/officer/tasks/:id',
    kit.wrap(async (req, res) => {
      const session = kit.signedInAs(req, res, 'officer');
      if (!session) return;
      await renderTask(req, res, session, String(req.params.id));
    }),
  );
  for (const action of ['claim', 'release'] as const)
    app.post(
      `/officer/tasks/:id/${action}`,
      kit.wrap(async (req, res) => {
        const session = kit.postedBy(req, res, 'officer');
        if (!session) return;
        const taskId = String(req.params.id);
        try {
          await kit.api.claimTask(session.token, taskId, action, postedVersion(req.body as Record<string, unknown>));
        } catch (err) {
          if (movedOn(err)) {
            return await renderTask(req, res, session, taskId, { notice: movedOnText(req, err) }, 409);
          }
          if (err instanceof ApiProblem && err.status === 409) return taskGone(req, res, 409);
          throw err;
        }
        res.redirect(
          303,
          action === 'claim'
            ? `/officer/tasks/${encodeURIComponent(taskId)}`
            : `/officer?released=${encodeURIComponent(taskId.slice(taskId.lastIndexOf(':') + 1))}`,
        );
      }),
    );
  app.post(
    '/officer/tasks/:id',
    kit.wrap(async (req, res) => {
      const session = kit.postedBy(req, res, 'officer');
      if (!session) return;
      const taskId = String(req.params.id);
      const posted = req.body as Record<string, unknown>;
      const decision = typeof posted.decision === 'string' ? posted.decision : '';
      const reasonsText = typeof posted.reasons === 'string' ? posted.reasons : '';
      const reasons = reasonsText
        .split(/\r?\n/)
        .map((r) => r.trim())
        .filter(Boolean);
      const task = await waitingTask(session, taskId);
      if (!task) return taskGone(req, res, 409);
      const view = await kit.api.case(session.token, task.caseId);
      const step = stepOf(await kit.api.definition(view.serviceId, view.serviceVersion), task.stepId);
      const ref = kindOf(task, step) === 'fallback' && typeof step?.task === 'string' ? step.task : undefined;
      const form = ref ? contractForm(ref, (await kit.api.taskType(ref)).output) : undefined;
      const values = form ? typedValues(form, posted) : {};
      const errors: FieldError[] = [];
      if (!['approve', 'reject', 'request-rework'].includes(decision))
        errors.push({ field: 'decision', href: '#decision', text: kit.t(req, 'task.chooseDecision') });
      if ((decision === 'reject' || decision === 'request-rework') && !reasons.length)
        errors.push({ field: 'reasons', href: '#reasons', text: kit.t(req, 'task.needReasons') });
      const again = (more: FieldError[], notice?: string, status = 400) =>
        renderTask(
          req,
          res,
          session,
          taskId,
          { values, errors: [...errors, ...more], decision, reasons: reasonsText, ...(notice ? { notice } : {}) },
          status,
        );
      if (errors.length) return await again([]);
      const version = postedVersion(posted);
      try {
        await kit.api.decide(session.token, taskId, {
          decision: decision as OfficerDecision['decision'],
          ...(reasons.length ? { reasons } : {}),
          ...(form ? { output: applicationFrom(form, posted) } : {}),
          ...(version !== undefined ? { version } : {}),
        });
      } catch (err) {
        // Someone claimed it, or it changed (escalated, released) since this page was drawn.
        if (movedOn(err)) return await again([], movedOnText(req, err), 409);
        // The case refused the recorded result: its problems, by field where it names them.
        if (
          err instanceof ApiProblem &&
          err.status >= 400 &&
          err.status < 500 &&
          err.status !== 404 &&
          err.status !== 403
        ) {
          const named = form ? fieldErrors(form, kit.locale(req), err.errors, 'body.output') : [];
          return await again(named.length ? named : [{ href: '#main-content', text: err.message }]);
        }
        throw err;
      }
      res.redirect(303, `/officer?decided=${encodeURIComponent(task.stepId)}`);
    }),
  );

  /** A case as an officer looks it up: where it stands, and a partner's task to take back. */
  const renderCase = async (
    req: Request,
    res: Response,
    session: Session,
    caseId: string,
    posted: { reason?: string; error?: string; notice?: string } = {},
    status = 200,
  ) => {
    const view = await kit.api.case(session.token, caseId);
    const serviceTitles = await kit.titles();
    const step = view.currentStep;
    kit.render(
      req,
      res,
      'officer-case',
      {
        title: kit.t(req, 'officerCase.title', { caseId }),
        section: 'inbox',
        view,
        // The status in the page's language, as the citizen's pages say it.
        statusText: kit.t(req, `status.${view.status}` as 'status.running'),
        serviceTitle: serviceTitles.get(view.serviceId) ?? view.serviceId,
        step: step ? `${words(step.stepId)} (${step.status})` : '–',
        due: step?.deadline ? kit.when(req, step.deadline) : '–',
        revocable: step?.status === 'awaiting-partner' ? `${caseId}:${step.stepId}` : undefined,
        reason: posted.reason ?? '',
        error: posted.error,
        notice: posted.notice,
      },
      status,
    );
  };

  app.get(
    '/officer/cases',
    kit.wrap((req, res) => {
      const caseId = typeof req.query.caseId === 'string' ? req.query.caseId.trim() : '';
      res.redirect(303, caseId ? `/officer/cases/${encodeURIComponent(caseId)}` : '/officer');
      return Promise.resolve();
    }),
  );
  app.get(
    '/officer/cases/:id',
    kit.wrap(async (req, res) => {
      const session = kit.signedInAs(req, res, 'officer');
      if (!session) return;
      const notice = req.query.revoked === '1' ? kit.t(req, 'officerCase.revoked') : undefined;
      await renderCase(req, res, session, String(req.params.id), { ...(notice ? { notice } : {}) });
    }),
  );
  app.post(
    '/officer/cases/:id/revoke',
    kit.wrap(async (req, res) => {
      const session = kit.postedBy(req, res, 'officer');
      if (!session) return;
      const caseId = String(req.params.id);
      const body = req.body as Record<string, unknown>;
      const reason = typeof body.reason === 'string' ? body.reason.trim() : '';
      const taskId = typeof body.taskId === 'string' ? body.taskId : '';
      if (reason.length < 5)
        return await renderCase(req, res, session, caseId, { reason, error: kit.t(req, 'agency.needReason') }, 400);
      try {
        await kit.api.revokePartnerTask(session.token, taskId, reason);
      } catch (err) {
        // The partner answered meanwhile, or the task moved on: the page says where the case stands.
        if (err instanceof ApiProblem && err.status >= 400 && err.status < 500 && err.status !== 404)
          return await renderCase(req, res, session, caseId, { reason, error: err.message }, err.status);
        throw err;
      }
      res.redirect(303, `/officer/cases/${encodeURIComponent(caseId)}?revoked=1`);
    }),
  );
}
