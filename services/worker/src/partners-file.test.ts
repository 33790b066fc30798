import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { PartnerDirectory } from './domain/partner-directory.js';
import { readPartnersFile } from './partners-file.js';

describe('the demo partners', () => {
  const partners = readPartnersFile(fileURLToPath(new URL('../../../examples/partners/demo-partners.yaml', import.meta.url)));

  it('read as valid partner profiles', () => {
    expect(partners.map((p) => p.id)).toEqual(['acme-checks', 'civic-inspect', 'swift-courier', 'zenith-checks']);
  });

  it('are chosen in a stable order, skipping those already tried', () => {
    const directory = new PartnerDirectory(partners);
    expect(directory.select('background-check@1', [])).toBe('acme-checks');
    expect(directory.select('background-check@1', ['acme-checks'])).toBe('zenith-checks');
    expect(directory.select('background-check@1', ['acme-checks', 'zenith-checks'])).toBeNull();
    expect(directory.select('background-check@1', [], ['zenith-checks'])).toBe('zenith-checks');
  });

  it('never include a suspended partner', () => {
    const directory = new PartnerDirectory(partners.map((p) => (p.id === 'acme-checks' ? { ...p, status: 'suspended' as const } : p)));
    expect(directory.select('background-check@1', [])).toBe('zenith-checks');
  });

  it('refuse a bad file, naming every problem', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'govmesh-partners-')), 'partners.yaml');
    writeFileSync(path, '- id: Bad.Id\n  name: x\n  capabilities: []\n  terms: {}\n  status: dormant\n');
    expect(() => readPartnersFile(path)).toThrow(/\[0\]\.id[\s\S]*capabilities[\s\S]*status/);
  });
});
