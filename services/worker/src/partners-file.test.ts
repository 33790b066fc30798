import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { PartnerDirectory } from './domain/partner-directory.js';
import { readPartnersFile } from './partners-file.js';

describe('the demo partners', () => {
  const partners = readPartnersFile(
    fileURLToPath(new URL('../../../examples/partners/demo-partners.yaml', import.meta.url)),
  );

  it('read as valid partner profiles', () => {
    expect(partners.map((p) => p.id)).toEqual(['acme-checks', 'civic-inspect', 'swift-courier', 'zenith-checks']);
  });

  it('are chosen in a stable order, skipping those already tried', async () => {
    const directory = new PartnerDirectory(partners);
    const select = (exclude: string[], only?: string[]) =>
      directory.select({
        taskType: 'background-check@1',
        strategy: 'first-eligible',
        exclude,
        ...(only ? { only } : {}),
      });
    expect(await select([])).toBe('acme-checks');
    expect(await select(['acme-checks'])).toBe('zenith-checks');
    expect(await select(['acme-checks', 'zenith-checks'])).toBeNull();
    expect(await select([], ['zenith-checks'])).toBe('zenith-checks');
  });

  it('never include a suspended partner', async () => {
    const directory = new PartnerDirectory(
      partners.map((p) => (p.id === 'acme-checks' ? { ...p, status: 'suspended' as const } : p)),
    );
    expect(await directory.select({ taskType: 'background-check@1', strategy: 'best-score', exclude: [] })).toBe(
      'zenith-checks',
    );
  });

  it('take turns under round-robin', async () => {
    const directory = new PartnerDirectory(partners);
    const picks = [];
    for (let i = 0; i < 4; i += 1)
      picks.push(await directory.select({ taskType: 'background-check@1', strategy: 'round-robin', exclude: [] }));
    expect(picks).toEqual(['acme-checks', 'zenith-checks', 'acme-checks', 'zenith-checks']);
  });

  it('give newcomers a trial, then prefer the better score', async () => {
    const figures: Record<string, { assigned: number; score: number | null }> = {
      'acme-checks': { assigned: 5, score: 0.4 },
      'zenith-checks': { assigned: 1, score: 0.9 },
    };
    const standings = { refresh: () => Promise.resolve(), standing: (id: string) => figures[id] };
    const directory = new PartnerDirectory(partners, standings);
    const pick = () => directory.select({ taskType: 'background-check@1', strategy: 'best-score', exclude: [] });
    expect(await pick()).toBe('zenith-checks'); // on trial: fewer than three tasks
    figures['zenith-checks'] = { assigned: 3, score: 0.3 };
    expect(await pick()).toBe('acme-checks'); // both judged: the higher score wins
    figures['zenith-checks'] = { assigned: 4, score: 0.9 };
    expect(await pick()).toBe('zenith-checks');
  });

  it('refuse a bad file, naming every problem', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'govmesh-partners-')), 'partners.yaml');
    writeFileSync(path, '- id: Bad.Id\n  name: x\n  capabilities: []\n  terms: {}\n  status: dormant\n');
    expect(() => readPartnersFile(path)).toThrow(/\[0\]\.id[\s\S]*capabilities[\s\S]*status/);
  });
});
