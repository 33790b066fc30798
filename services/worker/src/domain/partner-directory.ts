import { isEligible, type PartnerProfile } from '@govmesh/contracts/partner-profile';

/**
 * The contracted partners the worker may dispatch to. Until scorecards exist, every selection
 * strategy takes the first eligible partner in a stable order (by id).
 */
export class PartnerDirectory {
  private readonly profiles: PartnerProfile[];

  constructor(profiles: readonly PartnerProfile[]) {
    this.profiles = [...profiles].sort((a, b) => a.id.localeCompare(b.id));
  }

  select(taskType: string, exclude: readonly string[], only?: readonly string[]): string | null {
    const candidate = this.profiles.find(
      (p) => isEligible(p, taskType) && !exclude.includes(p.id) && (!only || only.includes(p.id)),
    );
    return candidate?.id ?? null;
  }

  ids(): string[] {
    return this.profiles.map((p) => p.id);
  }
}
