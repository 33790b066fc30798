import type { PartnerProfile } from '@govmesh/contracts/partner-profile';
import type { TaskAssignedData } from '@govmesh/contracts/task-messages';
import { SAMPLE_OUTPUTS, createPartner, type Partner } from '@govmesh/partner-sdk';
import type { KafkaTls, PartnerKafkaAccess } from '@govmesh/messaging';
import type { Logger } from 'pino';

import type { Scenario } from './scenarios.js';

type Quality = 'fast' | 'slow' | 'sloppy' | 'silent';
const terms = (types: string[]) =>
  Object.fromEntries(types.map((t) => [t, { deadline: { hours: 48 }, capacity: 500 }]));
const partner = (id: string, name: string, quality: Quality, capabilities: string[]) => ({
  quality,
  profile: { id, name, capabilities, terms: terms(capabilities), status: 'active' } satisfies PartnerProfile,
});

/** Four partners of different quality; every task type of the catalogue has at least one reliable one. */
const BASE_PARTNERS = [
  partner('swift-checks', 'Swift Checks (fast and reliable)', 'fast', [
    'background-check@1',
    'income-verification@1',
    'certificate-delivery@1',
  ]),
  partner('steady-inspections', 'Steady Inspections (slow but sure)', 'slow', [
    'site-inspection@1',
    'home-visit@1',
    'certificate-delivery@1',
  ]),
  partner('sloppy-services', 'Sloppy Services (sometimes invalid, then corrects)', 'sloppy', [
    'background-check@1',
    'income-verification@1',
    'certificate-delivery@1',
  ]),
  partner('silent-partners', 'Silent Partners (never answers)', 'silent', ['background-check@1', 'site-inspection@1']),
] as const;

/**
 * The demo partners; with a suffix (GOVMESH_DEMO_PARTNER_SUFFIX), ids of their own, so that a run
 * never reads the topics of an earlier one (the end-to-end test uses this).
 */
export type DemoPartner = (typeof BASE_PARTNERS)[number] & { base: string };
export function demoPartners(suffix = ''): DemoPartner[] {
  return BASE_PARTNERS.map((p) => ({
    ...p,
    base: p.profile.id,
    profile: { ...p.profile, id: suffix ? `${p.profile.id}-${suffix}` : p.profile.id },
  }));
}
export const DEMO_PARTNERS = BASE_PARTNERS;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(new Error('revoked'))), { once: true });
  });
const never = (signal: AbortSignal) =>
  new Promise<never>((_, reject) =>
    signal.addEventListener('abort', () => reject(new Error('revoked')), { once: true }),
  );

/**
 * Starts the demo partners. Each behaves by its quality, except where the case's scenario says
 * otherwise for the background check (the scripted silence, failure or invalid first answer).
 */
export async function startDemoPartners(
  crew: readonly DemoPartner[],
  access: ReadonlyMap<string, PartnerKafkaAccess>,
  logger: Logger,
  scenarioOf: (caseId: string) => Scenario | undefined,
  tls?: KafkaTls,
  registryUrl?: string,
): Promise<Partner[]> {
  const partners: Partner[] = [];
  for (const { profile, quality } of crew) {
    const pending = new Map<string, TaskAssignedData>();
    const valid = (task: TaskAssignedData) => SAMPLE_OUTPUTS[task.taskType]!(task.input);
    const handler = async (
      _input: Record<string, unknown>,
      { task, signal }: { task: TaskAssignedData; signal: AbortSignal },
    ) => {
      const scenario = scenarioOf(task.caseId);
      if (task.stepId === 'background-check') {
        if (scenario === 'reassigned' && task.attempt === 1) return await never(signal);
        if (scenario === 'fallback') throw new Error('our access to the criminal records service is down');
      }
      if (quality === 'silent' && scenario !== 'invalid-corrected') return await never(signal);
      await sleep(quality === 'slow' ? 800 + Math.random() * 1200 : 50 + Math.random() * 200, signal);
      const scriptedInvalid =
        scenario === 'invalid-corrected' && task.stepId === 'background-check' && task.attempt === 1;
      if (scriptedInvalid || (quality === 'sloppy' && Math.random() < 0.25)) {
        pending.set(`${task.taskId}#${task.attempt}`, task);
        return { unexpected: 'a draft that breaks the contract' };
      }
      return valid(task);
    };
    const p: Partner = createPartner({
      partnerId: profile.id,
      access: access.get(profile.id),
      logger,
      ...(tls ? { tls } : {}),
      ...(registryUrl ? { registryUrl } : {}),
      handlers: Object.fromEntries(profile.capabilities.map((c) => [c, handler])),
      // A rejected draft is corrected and sent again, as a careful partner would.
      onRejection: (r) => {
        const task = pending.get(`${r.taskId}#${r.attempt ?? 0}`);
        if (r.code !== 'CONTRACT.INVALID_OUTPUT' || !task) return;
        pending.delete(`${r.taskId}#${r.attempt ?? 0}`);
        void p
          .publishResult({ taskId: task.taskId, attempt: task.attempt, outcome: 'completed', output: valid(task) })
          .catch((err: unknown) => logger.warn({ err }, 'could not send the correction'));
      },
    });
    await p.start();
    partners.push(p);
  }
  return partners;
}
