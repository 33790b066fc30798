import { spawn, type StdioOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { ALIVE_QUESTION, ServiceStartFailed, commandFailureText, isAliveAnswer } from './service-process.js';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/**
 * A service process as every govmesh `main` is one: the real logger and `runServiceProcess`, a
 * service whose stop ends at once (`quick`) or never (`hang`).
 */
const serviceCode = (stop: 'quick' | 'hang') => `
  import { processLogger } from ${JSON.stringify(here('./personal-data-redaction.ts'))};
  import { runServiceProcess } from ${JSON.stringify(here('./service-process.ts'))};
  const logger = processLogger('fixture', 'info');
  await runServiceProcess('fixture', logger, async () => ({
    stop: () => ${stop === 'hang' ? 'new Promise(() => {})' : 'Promise.resolve()'},
  }));
  setInterval(() => logger.info('still serving'), 50);
`;

const node = (code: string, stdio: StdioOptions) =>
  spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio });

/** Started, with an IPC channel, and resolved once it said it is ready. */
async function startService(stop: 'quick' | 'hang') {
  const child = node(serviceCode(stop), ['ignore', 'pipe', 'inherit', 'ipc']);
  const lines: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => lines.push(...String(chunk).split('\n').filter(Boolean)));
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`the service exited with ${code} while starting`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, lines, exited };
}

/** Not running: gone, or a zombie its new parent has not reaped yet. */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('a service process', () => {
  it("answers its supervisor's question from its event loop, and not while that is held", async () => {
    const { child, exited } = await startService('quick');
    const answers: number[] = [];
    child.on('message', (m) => isAliveAnswer(m) && answers.push(Date.now()));
    const ask = async () => {
      const before = answers.length;
      child.send(ALIVE_QUESTION);
      await new Promise((r) => setTimeout(r, 500));
      return answers.length > before;
    };
    expect(await ask()).toBe(true);
    child.kill('SIGSTOP');
    expect(await ask()).toBe(false);
    child.kill('SIGCONT');
    await new Promise((r) => setTimeout(r, 500));
    expect(answers).toHaveLength(2); // the held question, answered once the loop runs again
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 30_000);

  it('stops on SIGTERM, saying so, with exit code 0', async () => {
    const { child, lines, exited } = await startService('quick');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages).toContain('fixture stopping');
    expect(messages.at(-1)).toBe('fixture stopped');
  }, 30_000);

  it('ends at a second signal when its shutdown does not finish, with exit code 1', async () => {
    const { child, lines, exited } = await startService('hang');
    child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect([child.exitCode, child.signalCode]).toEqual([null, null]); // still stopping
    child.kill('SIGTERM');
    expect(await exited).toBe(1);
    expect(
      lines.some((l) => (JSON.parse(l) as { msg: string }).msg === 'fixture stopped before its shutdown finished'),
    ).toBe(true);
  }, 30_000);

  it('stops when its supervisor is killed outright and its output leads nowhere', async () => {
    // The supervisor's ends of the service's stdout and stderr die with it: the service's last
    // lines fail with EPIPE. pino's default (asynchronous) stdout retried them in process.exit for
    // ever, and the orphan ignored SIGTERM too.
    const supervisor = node(
      `import { spawn } from 'node:child_process';
       const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', ${JSON.stringify(serviceCode('quick'))}],
         { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
       child.once('message', () => process.stdout.write(child.pid + '\\n'));`,
      ['ignore', 'pipe', 'inherit'],
    );
    const pid = await new Promise<number>((resolve, reject) => {
      supervisor.stdout!.once('data', (line: Buffer) => resolve(Number(String(line).trim())));
      supervisor.once('exit', (code) => reject(new Error(`the supervisor exited with ${code}`)));
    });
    expect(running(pid)).toBe(true);
    supervisor.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (running(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const stillRunning = running(pid);
    if (stillRunning) process.kill(pid, 'SIGKILL');
    expect(stillRunning).toBe(false);
  }, 30_000);
});

describe("a govmesh command's failure", () => {
  it('is its message and what to do when typed, every problem of a bad configuration, else its stack', () => {
    const refused = Object.assign(new Error('govmesh is already serving here'), {
      code: 'UP.ALREADY_SERVING',
      retriable: false,
      hint: 'stop that one first',
    });
    expect(commandFailureText(refused)).toBe(
      'govmesh: govmesh is already serving here\n  what to do: stop that one first\n',
    );
    expect(commandFailureText(new ServiceStartFailed('audit exited with 1 while starting; see govmesh.log'))).toBe(
      'govmesh: audit exited with 1 while starting; see govmesh.log\n',
    );
    const config = z.object({ GOVMESH_API_PORT: z.coerce.number(), LOG_LEVEL: z.enum(['info']) }).safeParse({});
    const text = commandFailureText(config.error);
    expect(text).toMatch(/^govmesh: invalid configuration\n/);
    expect(text).toContain('GOVMESH_API_PORT');
    expect(text).toContain('LOG_LEVEL');
    // A system error has a code but says nothing of retrying: not one of ours, so its stack stays.
    const refusedConnection = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(commandFailureText(refusedConnection)).toMatch(
      /^govmesh: unexpected failure\nError: connect ECONNREFUSED.*\n\s+at /,
    );
  });
});
