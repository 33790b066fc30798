import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';

import {
  AWAITING_ROLES,
  OFFICER_DUE_BY,
  OFFICER_TASKS_IN_MEMO,
  OFFICER_TASKS_MEMO,
  PARTNERS_HOLDING_TASKS,
  VISIBILITY_VERSION,
  earliestDeadline,
  officerTasks,
  type CaseState,
} from './case-api.js';

/** The partners that hold one of the case's tasks now, in a stable order. */
export function partnersHolding(state: CaseState): string[] {
  const ids = new Set<string>();
  for (const step of Object.values(state.steps))
    if (step.status === 'awaiting-partner' && step.partnerId) ids.add(step.partnerId);
  return [...ids].sort();
}

/** The officer roles a decision or review of the case waits for now, in a stable order. */
export function awaitingRoles(state: CaseState): string[] {
  const roles = new Set<string>();
  for (const step of Object.values(state.steps))
    if ((step.status === 'awaiting-officer' || step.status === 'awaiting-review') && step.role) roles.add(step.role);
  return [...roles].sort();
}

/** Which attributes this case keeps, as its history's markers say. */
export interface VisibilityFeatures {
  /** `partners-holding-search-attribute` */
  readonly partnersHolding: boolean;
  /** `awaiting-roles-search-attribute`: the roles, and the version that says the case keeps them. */
  readonly awaitingRoles: boolean;
  /** `officer-tasks-memo`: its officer tasks in its memo too (VISIBILITY_VERSION 2). */
  readonly officerTasksMemo: boolean;
  /**
   * OFFICER_DUE_BY: `case-features-2026-12-02` at the start; for cases started on the marker
   * before it, `officer-due-search-attribute`, asked (once) when the case first waits on an officer
   * with a deadline.
   */
  readonly officerDueBy: () => boolean;
}

/**
 * What Temporal's visibility shows of the case, kept in step with its state each time the case
 * waits: one upsert of what changed, so a step costs no extra command unless it hands work to or
 * takes it from a partner or an officer.
 */
export class CaseVisibility {
  private partners = '';
  private roles = '';
  private tasks = '[]';
  private dueBy: string | undefined;
  private versioned = false;

  constructor(
    private readonly state: CaseState,
    private readonly features: VisibilityFeatures,
  ) {}

  sync(): void {
    const changed: SearchAttributeUpdatePair[] = [];
    const tasks = officerTasks(this.state);
    if (this.features.awaitingRoles && !this.versioned) {
      this.versioned = true;
      changed.push({ key: VISIBILITY_VERSION, value: this.features.officerTasksMemo ? OFFICER_TASKS_IN_MEMO : 1 });
    }
    if (this.features.partnersHolding) {
      const holding = partnersHolding(this.state);
      if (holding.join(',') !== this.partners) {
        this.partners = holding.join(',');
        changed.push({ key: PARTNERS_HOLDING_TASKS, value: holding.length > 0 ? holding : null });
      }
    }
    if (this.features.awaitingRoles) {
      const roles = awaitingRoles(this.state);
      if (roles.join(',') !== this.roles) {
        this.roles = roles.join(',');
        changed.push({ key: AWAITING_ROLES, value: roles.length > 0 ? roles : null });
      }
    }
    if (this.features.awaitingRoles) {
      const dueBy = earliestDeadline(tasks);
      if (dueBy !== this.dueBy && this.features.officerDueBy()) {
        this.dueBy = dueBy;
        changed.push({ key: OFFICER_DUE_BY, value: dueBy !== undefined ? new Date(dueBy) : null });
      }
    }
    if (changed.length > 0) upsertSearchAttributes(changed);
    if (this.features.officerTasksMemo) {
      const json = JSON.stringify(tasks);
      if (json !== this.tasks) {
        this.tasks = json;
        upsertMemo({ [OFFICER_TASKS_MEMO]: tasks.length > 0 ? tasks : null });
      }
    }
  }
}
