import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { scorecardsOf } from '@govmesh/audit';
import { DOMAIN_EVENTS } from '@govmesh/contracts/domain-events';
import type { PartnerProfile } from '@govmesh/contracts/partner-profile';
import type { PartnerScorecard } from '@govmesh/contracts/partner-scorecard';
import { EVENTS_TOPIC } from '@govmesh/contracts/topics';
import { CloudEventPublisher, type CompactedTopicFollow } from '@govmesh/messaging';
import { PublishedStandings, followPartnerStandings } from '@govmesh/worker';
import { createPartner, type Partner } from '@govmesh/partner-sdk';
import { serviceCase } from '@govmesh/workflows/service-case';
import { decideOfficerTask } from '@govmesh/workflows/case-api';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startLedger, untilLedgered, type TestLedger } from './ledger.js';
import {
  logger,
  outsourcedStep,
  runScoped,
  serviceWith,
  startPlatform,
  untilStep,
  type TestPlatform,
} from './platform.js';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const terms = { deadline: { hours: 48 }, capacity: 50 };
const application = {
  applicant: { name: 'Ada Lovelace', dateOfBirth: '1985-12-10', nationalId: 'NID-1', email: 'ada@example.org' },
  business: { name: 'Engine Works', address: '1 Analytical Way', activity: 'workshop' },
};

/** `govmesh audit …` as a user runs it, against this run's ledger. */
async function govmeshAudit(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [join(root, 'services/cli/bin/govmesh.js'), 'audit', ...args],
      { cwd: root, env: { ...process.env, ...env } },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the audit ledger on a scripted run of partners', () => {
  const { profiles, id, suffix } = runScoped([
    {
      id: 'flaky',
      name: 'Flaky Checks',
      capabilities: ['background-check@1'],
      terms: { 'background-check@1': terms },
      status: 'active',
    },
    {
      id: 'steady',
      name: 'Steady Services',
      capabilities: ['background-check@1', 'site-inspection@1'],
      terms: { 'background-check@1': terms, 'site-inspection@1': terms },
      status: 'active',
    },
  ] satisfies PartnerProfile[]);
  const definition = serviceWith('scored', [
    outsourcedStep('background-check', 'background-check@1', ['applicant.name', 'applicant.dateOfBirth'], {
      maxReassignments: 1,
    }),
    {
      id: 'site-inspection',
      task: 'site-inspection@1',
      classification: { core: true, critical: false },
      deadline: { hours: 1 },
      share: ['business.address'],
      review: { role: 'inspector', maxReworks: 2 },
      partners: { select: 'first-eligible', maxReassignments: 0, fallback: { fail: true }, only: [id('steady')] },
    },
  ]);
  const invalidOnce = new Set<string>();
  let platform: TestPlatform;
  let ledger: TestLedger;
  let partners: Partner[];
  const caseIds = [1, 2, 3].map((n) => `scored-${suffix}-${n}`);

  beforeAll(async () => {
    platform = await startPlatform(profiles, suffix);
    ledger = await startLedger(platform.kafka, suffix);
    const flaky = createPartner({
      partnerId: id('flaky'),
      kafka: platform.kafka,
      logger,
      handlers: { 'background-check@1': () => Promise.reject(new Error('our checker is down')) },
    });
    const steady: Partner = createPartner({
      partnerId: id('steady'),
      kafka: platform.kafka,
      logger,
      // The second case's first answer breaks the contract; the partner then corrects it.
      onRejection: (r) =>
        void steady.publishResult({
          taskId: r.taskId,
          attempt: r.attempt!,
          outcome: 'completed',
          output: { clear: true, findings: [] },
        }),
      handlers: {
        'background-check@1': async (_input, { task }) => {
          await new Promise((r) => setTimeout(r, 100));
          if (task.caseId === caseIds[1] && !invalidOnce.has(task.caseId)) {
            invalidOnce.add(task.caseId);
            return { clear: 'maybe' };
          }
          return { clear: true, findings: [] };
        },
        'site-inspection@1': async () => {
          await new Promise((r) => setTimeout(r, 100));
          return { passed: true, inspectedOn: new Date().toISOString().slice(0, 10), defects: [] };
        },
      },
    });
    partners = [flaky, steady];
    await Promise.all(partners.map((p) => p.start()));

    // Case 3's first inspection report is sent back for rework; every other review approves.
    for (const caseId of caseIds) {
      const handle = await platform.client.workflow.start(serviceCase, {
        taskQueue: platform.taskQueue,
        workflowId: caseId,
        args: [{ caseId, definition, application }],
      });
      const decisions = caseId === caseIds[2] ? (['request-rework', 'approve'] as const) : (['approve'] as const);
      for (const [n, decision] of decisions.entries()) {
        const state = await untilStep(handle, 'site-inspection', 'awaiting-review');
        expect(state.steps['site-inspection']).toMatchObject({ attempt: n + 1 });
        await handle.executeUpdate(decideOfficerTask, {
          args: [{ stepId: 'site-inspection', officerId: 'officer-ines', role: 'inspector', decision }],
        });
      }
      expect(await handle.result()).toMatchObject({ status: 'completed' });
    }
    // Citizens rate two of the cases, as the API does: straight onto the events topic.
    const publisher = new CloudEventPublisher(platform.kafka);
    for (const [caseId, score] of [
      [caseIds[0]!, 5],
      [caseIds[1]!, 2],
    ] as const) {
      await publisher.publish(EVENTS_TOPIC, caseId, {
        id: `${caseId}/rating`,
        type: DOMAIN_EVENTS.satisfactionRated.type,
        source: '/govmesh/api',
        subject: caseId,
        data: { correlationId: caseId, causationId: caseId, score },
      });
    }
    await publisher.close();
    for (const caseId of caseIds) await untilLedgered(ledger.store, caseId, DOMAIN_EVENTS.caseCompleted.type);
    await untilLedgered(ledger.store, caseIds[1]!, DOMAIN_EVENTS.satisfactionRated.type);
  }, 120_000);

  afterAll(async () => {
    await Promise.all((partners ?? []).map((p) => p.stop()));
    await ledger?.stop();
    await platform?.stop();
  });

  it('keeps scorecards that match the figures worked out by hand', async () => {
    const cards = (await scorecardsOf(ledger.store.records())).filter((c) => c.partnerId.endsWith(suffix));
    const card = (partner: string, task: string): PartnerScorecard | undefined =>
      cards.find((c) => c.partnerId === id(partner) && c.taskType === task);
    // flaky fails all three background checks; each is reassigned to steady.
    expect(card('flaky', 'background-check@1')).toMatchObject({
      assigned: 3,
      completedOnTime: 0,
      failed: 3,
      late: 0,
      revoked: 0,
      rejectedInvalid: 0,
      sentBackForRework: 0,
      turnaroundMs: { samples: 0 },
      satisfaction: { ratings: 2, average: 3.5 },
      onTimeRate: 0,
      validityRate: 1,
      reviewApprovalRate: null,
    });
    // 0.4 × 0 on time + 0.25 × 1 valid + 0.15 × (3.5 − 1) / 4 satisfied, over the weights present (0.8).
    expect(card('flaky', 'background-check@1')!.score).toBeCloseTo((0.25 + 0.15 * 0.625) / 0.8, 10);
    const checks = card('steady', 'background-check@1')!;
    expect(checks).toMatchObject({
      assigned: 3,
      completedOnTime: 3,
      failed: 0,
      rejectedInvalid: 1,
      onTimeRate: 1,
      validityRate: 0.75,
      turnaroundMs: { samples: 3 },
    });
    expect(checks.score).toBeCloseTo((0.4 + 0.25 * 0.75 + 0.15 * 0.625) / 0.8, 10);
    // The partner sleeps 100 ms before answering; the figure is from the ledger's own timestamps.
    expect(checks.turnaroundMs.median).toBeGreaterThanOrEqual(100);
    expect(checks.turnaroundMs.median).toBeLessThan(10_000);
    const inspections = card('steady', 'site-inspection@1')!;
    expect(inspections).toMatchObject({
      assigned: 4,
      completedOnTime: 4,
      reviews: 4,
      sentBackForRework: 1,
      reviewApprovalRate: 0.75,
    });
    expect(inspections.score).toBeCloseTo(0.4 + 0.25 + 0.2 * 0.75 + 0.15 * 0.625, 10);
  });

  it('verifies with `govmesh audit verify`, and names the record whose stored bytes were flipped', async () => {
    const ok = await govmeshAudit(['verify', '--json'], ledger.env);
    expect(ok.code).toBe(0);
    const verdict = JSON.parse(ok.stdout) as {
      ok: boolean;
      records: number;
      firstBroken: number | null;
      reason: string | null;
    };
    expect(verdict).toMatchObject({ ok: true, firstBroken: null, reason: null });
    expect(verdict.records).toBeGreaterThanOrEqual(30);

    // A consistent copy of the live database, then one byte of one record of this run changed.
    const copy = join(ledger.dir, 'tampered.sqlite');
    const source = new Database(ledger.file, { readonly: true });
    source.exec(`VACUUM INTO '${copy}'`);
    source.close();
    const target = (await ledger.store.caseRecords(caseIds[1]!)).find((r) => r.actor.kind === 'officer')!;
    const db = new Database(copy);
    db.exec('DROP TRIGGER ledger_records_no_update');
    const { actor_id } = db
      .prepare<[number], { actor_id: string }>('SELECT actor_id FROM ledger_records WHERE seq = ?')
      .get(target.seq)!;
    db.prepare('UPDATE ledger_records SET actor_id = ? WHERE seq = ?').run(`${actor_id.slice(0, -1)}X`, target.seq);
    db.close();
    const broken = await govmeshAudit(['verify', '--json'], { ...ledger.env, GOVMESH_AUDIT_DB: copy });
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout)).toMatchObject({
      ok: false,
      firstBroken: target.seq,
      reason: expect.stringMatching(/altered/) as unknown,
    });
  });

  it('exports a ledger that verifies offline with only the public key; a tampered export does not', async () => {
    const file = join(ledger.dir, 'export.jsonl');
    const exported = await govmeshAudit(['export', '--out', file], ledger.env);
    expect(exported).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^exported \d+ records and \d+ checkpoints/) as unknown,
    });
    // Offline: no database, no private key, only the export and the public key.
    const offline = { GOVMESH_AUDIT_DB: '/nonexistent', GOVMESH_AUDIT_SIGNING_KEY_FILE: '/nonexistent' };
    const ok = await govmeshAudit(['verify', '--file', file, '--public-key', ledger.publicKeyFile, '--json'], offline);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true });

    const lines = readFileSync(file, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes(`"caseId":"${caseIds[0]}"`));
    const seq = (JSON.parse(lines[at]!) as { record: { seq: number } }).record.seq;
    lines[at] = lines[at]!.replace('"kind":"system"', '"kind":"agency"').replace('"kind":"citizen"', '"kind":"agency"');
    writeFileSync(file, lines.join('\n'));
    const tampered = await govmeshAudit(
      ['verify', '--file', file, '--public-key', ledger.publicKeyFile, '--json'],
      offline,
    );
    expect(tampered.code).toBe(1);
    expect(JSON.parse(tampered.stdout)).toMatchObject({ ok: false, firstBroken: seq });
  });

  it('shows an auditor the whole case with its actors, and the citizen plain words only', async () => {
    const audit = await govmeshAudit(['timeline', caseIds[2]!, '--json'], ledger.env);
    const entries = JSON.parse(audit.stdout) as Array<{ type: string; actor: { kind: string; id: string } }>;
    expect(entries.filter((e) => e.type === DOMAIN_EVENTS.reviewDecided.type).map((e) => e.actor)).toEqual([
      { kind: 'officer', id: 'officer-ines' },
      { kind: 'officer', id: 'officer-ines' },
    ]);
    const citizen = await govmeshAudit(['timeline', caseIds[2]!, '--citizen', '--json'], ledger.env);
    expect(citizen.stdout).toContain('Your case is complete');
    expect(citizen.stdout).not.toMatch(new RegExp(`${suffix}|officer|partner`));
  });
});

describe('best-score partner selection', () => {
  const { profiles, id, suffix } = runScoped([
    {
      id: 'good',
      name: 'Good Checks',
      capabilities: ['background-check@1'],
      terms: { 'background-check@1': terms },
      status: 'active',
    },
    {
      id: 'poor',
      name: 'Poor Checks',
      capabilities: ['background-check@1'],
      terms: { 'background-check@1': terms },
      status: 'active',
    },
  ] satisfies PartnerProfile[]);
  let platform: TestPlatform;
  let ledger: TestLedger;
  let partners: Partner[];
  let standings: PublishedStandings;
  let following: CompactedTopicFollow;

  beforeAll(async () => {
    const { createKafka } = await import('@govmesh/messaging');
    const { engines, platformPrincipal } = await import('./engines.js');
    const as = (principal: 'audit' | 'worker') =>
      createKafka({
        clientId: `e2e-score-${principal}-${suffix}`,
        brokers: engines().kafkaBrokers,
        logger,
        credentials: platformPrincipal(principal),
      });
    // As in production: the audit service publishes standings under its own principal, and the
    // worker follows them under its own; neither opens the other's store.
    ledger = await startLedger(as('audit'), suffix, { publishStandings: true });
    standings = new PublishedStandings();
    following = await followPartnerStandings({ kafka: as('worker'), standings, logger });
    await following.caughtUp;
    platform = await startPlatform(profiles, suffix, { standings });
    partners = [
      createPartner({
        partnerId: id('good'),
        kafka: platform.kafka,
        logger,
        handlers: { 'background-check@1': () => Promise.resolve({ clear: true, findings: [] }) },
      }),
      createPartner({
        partnerId: id('poor'),
        kafka: platform.kafka,
        logger,
        handlers: { 'background-check@1': () => Promise.reject(new Error('backlog')) },
      }),
    ];
    await Promise.all(partners.map((p) => p.start()));
  }, 60_000);

  afterAll(async () => {
    await Promise.all((partners ?? []).map((p) => p.stop()));
    await platform?.stop();
    await following?.stop();
    await ledger?.stop();
  });

  /** Waits until the worker's standings show what the ledger's scorecards say (they lag by a pass). */
  async function untilStandingsCaughtUp(): Promise<void> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const cards = (await scorecardsOf(ledger.store.records())).filter((c) =>
        profiles.some((p) => p.id === c.partnerId),
      );
      if (cards.every((c) => standings.standing(c.partnerId, c.taskType)?.assigned === c.assigned)) return;
      if (Date.now() > deadline) throw new Error('the worker got no standings from govmesh.partner-standings in 15 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('sends more of a batch to the better partner once both have had a trial', async () => {
    const definition = serviceWith('scored-selection', [
      outsourcedStep('background-check', 'background-check@1', ['applicant.name', 'applicant.dateOfBirth'], {
        select: 'best-score',
        maxReassignments: 1,
      }),
    ]);
    for (let n = 1; n <= 12; n += 1) {
      const caseId = `selection-${suffix}-${n}`;
      const handle = await platform.client.workflow.start(serviceCase, {
        taskQueue: platform.taskQueue,
        workflowId: caseId,
        args: [{ caseId, definition, application }],
      });
      expect(await handle.result()).toMatchObject({ status: 'completed' });
      await untilLedgered(ledger.store, caseId, DOMAIN_EVENTS.caseCompleted.type);
      await untilStandingsCaughtUp();
    }
    const firstPicks = new Map<string, number>();
    for await (const r of ledger.store.records()) {
      if (
        r.type === DOMAIN_EVENTS.taskDispatched.type &&
        r.caseId.startsWith(`selection-${suffix}-`) &&
        r.facts.attempt === 1
      ) {
        firstPicks.set(String(r.facts.partnerId), (firstPicks.get(String(r.facts.partnerId)) ?? 0) + 1);
      }
    }
    // Three trial tasks for the poor partner, then the good one's score wins every time.
    expect(Object.fromEntries(firstPicks)).toEqual({ [id('good')]: 9, [id('poor')]: 3 });
  }, 120_000);
});
