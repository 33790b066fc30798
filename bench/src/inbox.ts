import { CaseClient } from '@govmesh/case-client';
import type { ServiceDefinition } from '@govmesh/contracts/service-definition';

import { openCases, type BenchPlatform } from './bench-platform.js';
import { pct, say } from './stats.js';

export interface InboxFigures {
  openCases: number;
  /** The whole inbox as GET /v1/tasks reads it: one visibility query, the tasks from each case's memo. */
  oneQueryMs: { p50: number; p99: number; samples: number };
  /** One page of the inbox as GET /v1/tasks?pageSize= reads it (the first and one from the middle, in turn). */
  onePageMs: { p50: number; p99: number; samples: number; pageSize: number };
  /** The same tasks found by asking every case for its state, one after the other (the inbox before). */
  askingEachCaseMs: number;
}

const STALL_MS = 120_000;
/** The page an officer's screen would show. */
const INBOX_PAGE = 50;

/**
 * The officers' inbox with `levels` cases open at once, each waiting for an officer's decision:
 * how long the one-query inbox takes (p50/p99 of repeated reads), against asking every case.
 */
export async function inboxBench(p: BenchPlatform, levels: readonly number[], reads: number): Promise<InboxFigures[]> {
  const role = `bench-officer-${p.run}`;
  const definition: ServiceDefinition = {
    apiVersion: 'govmesh/v1',
    kind: 'Service',
    id: 'bench-inbox',
    version: 1,
    title: 'bench inbox',
    ownerAgency: 'bench',
    application: { schema: 'business-licence-application@1' },
    steps: [
      {
        id: 'decision',
        classification: { core: true, critical: true },
        officer: { role, deadline: { hours: 24 } },
        share: [],
      },
    ],
  };
  const cases = new CaseClient(p.client, { taskQueue: p.caseQueue });
  const figures: InboxFigures[] = [];
  let opened = 0;
  try {
    for (const level of levels) {
      await openCases(p.client, {
        taskQueue: p.caseQueue,
        prefix: `bench-inbox-${p.run}`,
        from: opened,
        to: level,
        definition,
      });
      opened = level;
      // Until the index lists every case with its task (it lags the cases by moments).
      let listed = 0;
      let progressAt = performance.now();
      for (;;) {
        const now = (await cases.officerInbox([role])).filter((c) => c.tasks?.length).length;
        if (now >= level) break;
        if (now !== listed) [listed, progressAt] = [now, performance.now()];
        if (performance.now() - progressAt > STALL_MS)
          throw new Error(`inbox: ${listed}/${level} cases listed, none more for ${STALL_MS / 1000} s`);
        await new Promise((r) => setTimeout(r, 500));
      }
      const samples: number[] = [];
      for (let i = 0; i < reads; i += 1) {
        const t = performance.now();
        await cases.officerInbox([role]);
        samples.push(performance.now() - t);
      }
      // A page from the middle of the inbox: its token's cursor is half way down the index.
      let middle: string | undefined;
      for (let seen = 0; seen < level / 2; seen += INBOX_PAGE)
        middle = (
          await cases.officerInboxPage([role], { pageSize: INBOX_PAGE, ...(middle ? { pageToken: middle } : {}) })
        ).nextPageToken;
      const pages: number[] = [];
      for (let i = 0; i < reads; i += 1) {
        const t = performance.now();
        const page = await cases.officerInboxPage([role], {
          pageSize: INBOX_PAGE,
          ...(i % 2 === 1 && middle ? { pageToken: middle } : {}),
        });
        pages.push(performance.now() - t);
        if (page.cases.length !== INBOX_PAGE || !page.nextPageToken)
          throw new Error(`inbox: a page of ${INBOX_PAGE} held ${page.cases.length} of ${level} cases`);
      }
      const t = performance.now();
      for (const { caseId } of await cases.officerInbox([role])) await cases.state(caseId);
      figures.push({
        openCases: level,
        oneQueryMs: { p50: pct(samples, 50), p99: pct(samples, 99), samples: samples.length },
        onePageMs: { p50: pct(pages, 50), p99: pct(pages, 99), samples: pages.length, pageSize: INBOX_PAGE },
        askingEachCaseMs: performance.now() - t,
      });
      const f = figures.at(-1)!;
      say(
        `  inbox: ${level} open cases: the whole inbox p50 ${f.oneQueryMs.p50.toFixed(0)} ms, p99 ${f.oneQueryMs.p99.toFixed(0)} ms; a page of ${INBOX_PAGE} p50 ${f.onePageMs.p50.toFixed(0)} ms, p99 ${f.onePageMs.p99.toFixed(0)} ms; asking each case ${f.askingEachCaseMs.toFixed(0)} ms`,
      );
    }
  } finally {
    await p.client.workflowService
      .startBatchOperation({
        namespace: 'default',
        jobId: `bench-inbox-cleanup-${p.run}`,
        reason: 'bench inbox run done',
        visibilityQuery: `TaskQueue = "${p.caseQueue}" AND ExecutionStatus = "Running" AND WorkflowId STARTS_WITH "bench-inbox-"`,
        terminationOperation: {},
      })
      .catch((err: unknown) => say(`  inbox: could not close the bench's open cases: ${(err as Error).message}`));
  }
  return figures;
}
