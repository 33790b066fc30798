import { describe, expect, it } from 'vitest';

import { ensureChromium } from './chromium.js';
import { MissingToolError } from './errors.js';

describe('the browser for the browser tests', () => {
  it('takes the binary GOVMESH_CHROMIUM names', async () => {
    // Any existing executable stands in: nothing is started here.
    expect(await ensureChromium({ GOVMESH_CHROMIUM: process.execPath })).toBe(process.execPath);
  });

  it('says which setting is wrong when it names no file, rather than installing something else', async () => {
    const err = await ensureChromium({ GOVMESH_CHROMIUM: '/nowhere/chromium' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingToolError);
    expect((err as MissingToolError).message).toContain('GOVMESH_CHROMIUM=/nowhere/chromium, which does not exist');
    expect((err as MissingToolError).hint).toContain('apt-get install chromium');
  });
});
