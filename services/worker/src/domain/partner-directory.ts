import { isEligible, type PartnerProfile } from '@govmesh/contracts/partner-profile';
import type { PartnerSelection } from '@govmesh/contracts/service-definition';

/** How partners have done so far, from the audit ledger's scorecards. */
export interface PartnerStandings {
  refresh(): Promise<void>;
  standing(
    partnerId: string,
    taskType: string,
  ): { readonly assigned: number; readonly score: number | null } | undefined;
}

export interface PartnerQuery {
  readonly taskType: string;
  readonly strategy?: PartnerSelection['select'];
  /** Partners that already had this task. */
  readonly exclude: readonly string[];
  readonly only?: readonly string[];
}

/**
 * A partner is judged on its score only once it has had this many tasks of a type; until then
 * it gets work first, so that a newcomer earns a score and a bad start is not forever.
 */
export const TRIAL_TASKS = 3;

/**
 * The contracted partners the worker may dispatch to, and the choice among the eligible ones:
 * `first-eligible` in a stable order (by id), `round-robin` in turn, `best-score` by scorecard.
 */
export class PartnerDirectory {
  private readonly profiles: PartnerProfile[];
  private readonly turns = new Map<string, number>();

  constructor(
    profiles: readonly PartnerProfile[],
    private readonly standings?: PartnerStandings,
  ) {
    this.profiles = [...profiles].sort((a, b) => a.id.localeCompare(b.id));
  }

  async select(query: PartnerQuery): Promise<string | null> {
    const candidates = this.profiles.filter(
      (p) =>
        isEligible(p, query.taskType) && !query.exclude.includes(p.id) && (!query.only || query.only.includes(p.id)),
    );
    if (candidates.length === 0) return null;
    switch (query.strategy ?? 'first-eligible') {
      case 'first-eligible':
        return candidates[0]!.id;
      case 'round-robin': {
        const turn = this.turns.get(query.taskType) ?? 0;
        this.turns.set(query.taskType, turn + 1);
        return candidates[turn % candidates.length]!.id;
      }
      case 'best-score':
        return await this.bestScore(candidates, query.taskType);
    }
  }

  private async bestScore(candidates: readonly PartnerProfile[], taskType: string): Promise<string> {
    if (!this.standings) return candidates[0]!.id;
    await this.standings.refresh();
    const ranked = candidates.map((p) => ({
      id: p.id,
      ...(this.standings!.standing(p.id, taskType) ?? { assigned: 0, score: null }),
    }));
    const onTrial = ranked
      .filter((r) => r.assigned < TRIAL_TASKS || r.score === null)
      .sort((a, b) => a.assigned - b.assigned);
    if (onTrial.length) return onTrial[0]!.id;
    return ranked.sort((a, b) => (b.score ?? 0) - (a.score ?? 0))[0]!.id;
  }

  /** Adds a partner or replaces its profile (from the partner registry). */
  upsert(profile: PartnerProfile): void {
    const index = this.profiles.findIndex((p) => p.id === profile.id);
    if (index >= 0) this.profiles[index] = profile;
    else {
      this.profiles.push(profile);
      this.profiles.sort((a, b) => a.id.localeCompare(b.id));
    }
  }

  has(partnerId: string): boolean {
    return this.profiles.some((p) => p.id === partnerId);
  }

  /** Suspended or terminated partners get no new tasks from the next selection on. */
  setStatus(partnerId: string, status: PartnerProfile['status']): void {
    const index = this.profiles.findIndex((p) => p.id === partnerId);
    if (index < 0) throw new Error(`no partner ${partnerId} in the directory`);
    this.profiles[index] = { ...this.profiles[index]!, status };
  }

  ids(): string[] {
    return this.profiles.map((p) => p.id);
  }
}
