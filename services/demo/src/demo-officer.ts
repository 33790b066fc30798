import { SAMPLE_OUTPUTS } from '@govmesh/partner-sdk';
import type { Logger } from 'pino';

import { officerOf, type ApiSession } from './api-session.js';
import type { Scenario } from './scenarios.js';

interface InboxTask {
  taskId: string;
  caseId: string;
  stepId: string;
  kind: 'officer' | 'review';
  /** A person working the same inbox has claimed it: the demo officer leaves it to them. */
  claimedBy?: string;
}

/**
 * An officer who works the inbox: decides each waiting task after a short delay. Reviews are
 * approved, except the first review of a `review-rework` case, which goes back with reasons.
 */
export function startDemoOfficer(
  api: ApiSession,
  logger: Logger,
  scenarioOf: (caseId: string) => Scenario | undefined,
  rolesByAgency: ReadonlyMap<string, readonly string[]>,
  /** The task type of a case's partner step, whose work a fallback officer does in-house. */
  taskTypeOf: (caseId: string, stepId: string) => string | undefined = () => undefined,
  delayMs = 500,
): { stop(): Promise<void> } {
  const officers = [...rolesByAgency].map(([agency, roles]) => officerOf(agency, roles));
  const reviewsSeen = new Map<string, number>();
  const deciding = new Set<string>();
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        for (const officer of officers) {
          const inbox = await api.expect<InboxTask[]>([200], officer, 'GET', '/v1/tasks');
          for (const task of inbox) {
            if (deciding.has(task.taskId) || task.claimedBy || !running) continue;
            deciding.add(task.taskId);
            setTimeout(() => void decide(officer, task).finally(() => deciding.delete(task.taskId)), delayMs);
          }
        }
      } catch (err) {
        logger.warn({ err }, 'the demo officer could not read the inbox');
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
  })();

  async function decide(officer: ReturnType<typeof officerOf>, task: InboxTask): Promise<void> {
    let body: Record<string, unknown> = { decision: 'approve' };
    if (task.kind === 'review') {
      const seen = (reviewsSeen.get(task.taskId) ?? 0) + 1;
      reviewsSeen.set(task.taskId, seen);
      if (scenarioOf(task.caseId) === 'review-rework' && seen === 1) {
        body = {
          decision: 'request-rework',
          reasons: ['the report has no photograph of the fire exit; please add one'],
        };
      }
    } else if (task.stepId !== 'decision') {
      // A fallback: the officer does the partner's work in-house and records its result, which
      // the case checks against the task type's contract as it would a partner's.
      const taskType = taskTypeOf(task.caseId, task.stepId);
      const sample = taskType ? SAMPLE_OUTPUTS[taskType] : undefined;
      body = { decision: 'approve', output: sample ? sample({}) : {} };
    }
    const r = await api.call(officer, 'POST', `/v1/tasks/${encodeURIComponent(task.taskId)}/decision`, body);
    if (r.status !== 202 && r.status !== 409)
      logger.warn({ taskId: task.taskId, status: r.status }, 'the demo officer could not decide');
  }

  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}
