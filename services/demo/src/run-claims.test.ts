import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { claimHolder, takeClaim } from './run-claims.js';

/** Another live process, with a word of its own on its command line. */
async function otherProcess(marker: string) {
  const child = spawn(process.execPath, ['-e', `setInterval(() => {}, 1000) // ${marker}`], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  return {
    pid: child.pid!,
    kill: async () => {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

describe('a claim on the data folder', () => {
  it('is taken by one process at a time, and taken over from one that died', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'govmesh-run-claim-')), 'run', 'govmesh.json');
    const mine = takeClaim(file, { command: 'up' });
    expect('release' in mine).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ command: 'up', pid: process.pid });
    // This process's own claim is nobody else's.
    expect(claimHolder(file)).toBeUndefined();
    if ('release' in mine) mine.release();
    expect(existsSync(file)).toBe(false);

    // Held by another live process: refused with what it said, and its claim left alone.
    const other = await otherProcess('govmesh-claim-holder');
    const theirs = JSON.stringify({ command: 'demo', pid: other.pid, marker: 'govmesh-claim-holder' });
    writeFileSync(file, theirs);
    expect(takeClaim(file, { command: 'up' })).toEqual({
      heldBy: { command: 'demo', pid: other.pid, marker: 'govmesh-claim-holder' },
    });
    expect(readFileSync(file, 'utf8')).toBe(theirs);

    // Once it is gone (a crash leaves its file behind), the next run takes the folder.
    await other.kill();
    expect(claimHolder(file)).toBeUndefined();
    const after = takeClaim(file, { command: 'up' });
    expect('release' in after).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ command: 'up', pid: process.pid });

    // A pid the system gave to an unrelated program is not taken for the holder.
    const stranger = await otherProcess('something-else');
    writeFileSync(file, JSON.stringify({ command: 'up', pid: stranger.pid, marker: 'govmesh-claim-holder' }));
    expect(claimHolder(file)).toBeUndefined();
    await stranger.kill();
  });

  it('lets only its holder release it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'govmesh-run-claim-')), 'govmesh.json');
    const mine = takeClaim(file, {});
    const other = await otherProcess('govmesh-claim-holder');
    // Taken over meanwhile (this process looked dead to someone): releasing leaves the new claim.
    writeFileSync(file, JSON.stringify({ pid: other.pid, marker: 'govmesh-claim-holder' }));
    if ('release' in mine) mine.release();
    expect(claimHolder(file)).toMatchObject({ pid: other.pid });
    await other.kill();
  });

  it('goes to one of many processes taking it at once, from a run that died', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'govmesh-run-claim-')), 'govmesh.json');
    const dead = await otherProcess('govmesh-claim-holder');
    await dead.kill();
    writeFileSync(file, JSON.stringify({ pid: dead.pid, marker: 'govmesh-claim-holder' }));
    // Each waits for the same instant, takes the claim, says what it got, and holds on a while.
    const at = Date.now() + 1_500;
    const code = `
      import { takeClaim } from ${JSON.stringify(fileURLToPath(new URL('./run-claims.ts', import.meta.url)))};
      while (Date.now() < ${at}) {}
      const got = takeClaim(${JSON.stringify(file)}, {});
      process.stdout.write('release' in got ? 'won' : 'held');
      setTimeout(() => {}, 1_500);
    `;
    const said = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        await new Promise((resolve) => child.once('exit', resolve));
        return out;
      }),
    );
    expect(said.filter((s) => s === 'won')).toHaveLength(1);
    expect(said.filter((s) => s === 'held')).toHaveLength(5);
  }, 30_000);
});
