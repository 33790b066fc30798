import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import pg from 'pg';

import type { InfraConfig } from './config.js';
import {
  isAlive,
  isPortFree,
  runLogged,
  sleep,
  spawnEngine,
  tailOf,
  writePidRecord,
  type PidRecord,
} from './engine-process.js';
import { EngineNotReadyError, MissingToolError, PortInUseError } from './errors.js';
import { withHeartbeat, type Progress } from './progress.js';

const MARKER = 'postgres';
/** The role and database govmesh's stores use on the embedded server. */
const ROLE = 'govmesh';
const DATABASE = 'govmesh';
/** Where Debian's packages put each major's programs. */
const DEBIAN_ROOT = '/usr/lib/postgresql';
const HINT =
  'install PostgreSQL (Debian/Ubuntu: `sudo apt-get install postgresql`), or name an existing database with GOVMESH_DATABASE_URL=postgres://user:password@host:port/db';

function postgresPaths(config: InfraConfig) {
  const home = join(config.dataDir, 'postgres');
  return {
    home,
    data: join(home, 'data'),
    secret: join(home, 'govmesh-password'),
    logFile: join(config.dataDir, 'logs', 'postgres.log'),
    setupLog: join(config.dataDir, 'logs', 'postgres-setup.log'),
  };
}

/** The newest PostgreSQL major Debian's packages installed, as the folder of its programs. */
function installedBinDir(): string | undefined {
  if (!existsSync(DEBIAN_ROOT)) return undefined;
  const majors = readdirSync(DEBIAN_ROOT)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(DEBIAN_ROOT, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] ? join(DEBIAN_ROOT, majors[0], 'bin') : undefined;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
}

/**
 * The server's programs: Debian's newest installed major. When none is installed and this
 * process may install packages (root, with apt-get), it installs Debian's `postgresql` quietly,
 * as `.ci/run` needs on a new machine; otherwise it says what to install.
 */
async function ensurePostgresBinaries(config: InfraConfig, progress: Progress): Promise<string> {
  const found = installedBinDir();
  if (found) return found;
  if (process.getuid?.() !== 0 || !(await run('apt-get', ['--version'], config.processEnv)))
    throw new MissingToolError('postgres', 'a server (15 or newer)', undefined, HINT);
  const quiet = { ...config.processEnv, DEBIAN_FRONTEND: 'noninteractive' };
  await withHeartbeat(progress, 'postgres', "installing Debian's postgresql (once)", async () => {
    const args = ['install', '-y', '-qq', '--no-install-recommends', 'postgresql'];
    if (await run('apt-get', args, quiet)) return;
    // A new machine's package lists may be empty or stale: read them once and try again.
    await run('apt-get', ['update', '-qq'], quiet);
    await run('apt-get', args, quiet);
  });
  const installed = installedBinDir();
  if (!installed) throw new MissingToolError('postgres', 'a server', 'apt-get install postgresql failed', HINT);
  return installed;
}

/**
 * PostgreSQL refuses to run as root. As root (CI, a container) the server runs in a user
 * namespace where it is an ordinary user (the `postgres` account's uid, else 1000) while the files
 * stay root's outside: no chown, no data folder outside root's home.
 */
function asOrdinaryUser(program: string, args: readonly string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [program, [...args]];
  let uid = '1000';
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('postgres:'));
    if (line) uid = line.split(':')[2] ?? uid;
  } catch {
    // no passwd file: keep 1000
  }
  return ['unshare', [`--map-user=${uid}`, `--map-group=${uid}`, program, ...args]];
}

/** The embedded server's password for the `govmesh` role, made once per data folder. */
function password(config: InfraConfig): string {
  const { secret } = postgresPaths(config);
  return readFileSync(secret, 'utf8').trim();
}

/** Where govmesh's stores find the database: GOVMESH_DATABASE_URL, else the embedded server. */
export function databaseUrl(config: InfraConfig): string {
  if (config.postgres.mode === 'external') return config.postgres.url;
  return `postgres://${ROLE}:${encodeURIComponent(password(config))}@127.0.0.1:${config.postgres.port}/${DATABASE}`;
}

/** Creates the cluster once: the `govmesh` role with a generated password, scram-sha-256 on every connection. */
export async function preparePostgres(config: InfraConfig, progress: Progress): Promise<void> {
  const p = postgresPaths(config);
  const bin = await ensurePostgresBinaries(config, progress);
  if (existsSync(join(p.data, 'PG_VERSION'))) return;
  mkdirSync(p.home, { recursive: true });
  if (!existsSync(p.secret)) writeFileSync(p.secret, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
  chmodSync(p.secret, 0o600);
  progress({ engine: 'postgres', message: `creating a PostgreSQL cluster in ${p.data} (first run only)` });
  const [command, args] = asOrdinaryUser(join(bin, 'initdb'), [
    '-D',
    p.data,
    '-U',
    ROLE,
    `--pwfile=${p.secret}`,
    '--auth=scram-sha-256',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
  ]);
  await runLogged('postgres', command, args, { logFile: p.setupLog, env: config.processEnv });
}

/** The server on loopback only, TCP only (no Unix socket), with its log in govmesh's logs folder. */
export async function startPostgres(config: InfraConfig, progress: Progress): Promise<PidRecord> {
  const p = postgresPaths(config);
  const bin = await ensurePostgresBinaries(config, progress);
  const { port } = config.postgres;
  if (!(await isPortFree(port))) throw new PortInUseError('postgres', port, 'GOVMESH_POSTGRES_PORT');
  const [command, args] = asOrdinaryUser(join(bin, 'postgres'), [
    '-D',
    p.data,
    '-c',
    'listen_addresses=127.0.0.1',
    '-p',
    String(port),
    '-c',
    'unix_socket_directories=',
    // Room for two of every service, the tests' pools and an operator's psql.
    '-c',
    'max_connections=200',
  ]);
  const pid = spawnEngine(command, args, { logFile: p.logFile, cwd: p.home, env: config.processEnv });
  const record: PidRecord = {
    engine: 'postgres',
    pid,
    address: `127.0.0.1:${port}`,
    logFile: p.logFile,
    startedAt: new Date().toISOString(),
    marker: MARKER,
  };
  writePidRecord(config.dataDir, record);
  progress({ engine: 'postgres', message: `started PostgreSQL (pid ${pid}), log in ${p.logFile}` });
  return record;
}

/**
 * Waits until the database answers a query as govmesh's role, creating the `govmesh` database on
 * the embedded server the first time; fails at once with the log's end if the server exits.
 */
export async function waitForPostgres(config: InfraConfig, process?: PidRecord): Promise<void> {
  const url = databaseUrl(config);
  const shown = url.replace(/:[^:@/]*@/, ':***@');
  const deadline = Date.now() + config.readyTimeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    // Looked at twice: while `unshare` hands over to the server, its process can read as gone.
    if (process && !isAlive(process) && (await sleep(200).then(() => !isAlive(process))))
      throw new EngineNotReadyError(
        'postgres',
        shown,
        `PostgreSQL exited while starting:\n${tailOf(process.logFile, 20)}`,
        `see ${process.logFile}`,
      );
    try {
      if (config.postgres.mode === 'embedded') await ensureDatabase(config);
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
      await client.connect();
      try {
        await client.query('SELECT 1');
        return;
      } finally {
        await client.end();
      }
    } catch (err) {
      last = err;
    }
    await sleep(300);
  }
  throw new EngineNotReadyError(
    'postgres',
    shown,
    `PostgreSQL at ${shown} did not answer within ${Math.round(config.readyTimeoutMs / 1000)} s` +
      (last instanceof Error ? ` (last error: ${last.message})` : ''),
    process ? `see ${process.logFile}` : 'check GOVMESH_DATABASE_URL',
    last,
  );
}

async function ensureDatabase(config: InfraConfig): Promise<void> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: config.postgres.port,
    user: ROLE,
    password: password(config),
    database: 'postgres',
    connectionTimeoutMillis: 2_000,
  });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}
