import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

import { MissingToolError } from './errors.js';
import { withHeartbeat, type Progress } from './progress.js';
import { probe } from './toolchain.js';

/** Where Debian's package puts the browser the browser tests drive. */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** The browser, and a font with Chinese glyphs so the zh-CN pages' screenshots are readable. */
const PACKAGES = ['chromium', 'fonts-wqy-zenhei'];

const CHROMIUM_HINT =
  'install Chromium (Debian/Ubuntu: `sudo apt-get install chromium`), or point GOVMESH_CHROMIUM at a Chromium or Chrome binary; browsers cannot be downloaded by Playwright here';

function run(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', (err) => resolve({ ok: false, output: err.message }));
    child.on('close', (code) => resolve({ ok: code === 0, output }));
  });
}

/**
 * The Chromium binary for the browser tests: GOVMESH_CHROMIUM, else Debian's. When neither is
 * there and this process may install packages (root, with apt-get), it installs Debian's
 * `chromium` quietly, as `.ci/run` needs on a new machine; otherwise it says what to install.
 */
export async function ensureChromium(
  env: Readonly<Record<string, string | undefined>>,
  progress: Progress = () => undefined,
): Promise<string> {
  const configured = env.GOVMESH_CHROMIUM;
  if (configured) {
    if (!existsSync(configured))
      throw new MissingToolError(
        'chromium',
        'a browser',
        `GOVMESH_CHROMIUM=${configured}, which does not exist`,
        CHROMIUM_HINT,
      );
    return configured;
  }
  if (existsSync(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
  const aptGet = await probe('apt-get', ['--version'], env);
  if (aptGet === undefined || process.getuid?.() !== 0)
    throw new MissingToolError('chromium', 'a browser', undefined, CHROMIUM_HINT);
  const quiet = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  const installed = await withHeartbeat(
    progress,
    'chromium',
    "installing Debian's chromium for the browser tests (once)",
    async () => {
      const first = await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...PACKAGES], quiet);
      if (first.ok) return first;
      // A new machine's package lists may be empty or stale: read them once and try again.
      await run('apt-get', ['update', '-qq'], quiet);
      return await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...PACKAGES], quiet);
    },
  );
  if (!installed.ok || !existsSync(DEBIAN_CHROMIUM))
    throw new MissingToolError(
      'chromium',
      'a browser',
      `apt-get install chromium failed: ${installed.output.trim().split('\n').slice(-3).join(' / ')}`,
      CHROMIUM_HINT,
    );
  return DEBIAN_CHROMIUM;
}
