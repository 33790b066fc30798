import { spawn } from 'node:child_process';

import { MissingToolError } from './errors.js';

/** Runs a command to completion and returns what it printed; undefined when it cannot be started. */
export function probe(
  command: string,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    let out = '';
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', () => resolve(undefined));
    child.on('close', (code) => resolve(code === 0 ? out : undefined));
  });
}

/** Parses the major version from `java -version` output (`"17.0.15"`, or `"1.8.0_412"` for Java 8). */
export function javaMajor(versionOutput: string): number | undefined {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!m?.[1]) return undefined;
  const first = Number(m[1]);
  return first === 1 && m[2] ? Number(m[2]) : first;
}

/** Parses `go version go1.26.8 linux/amd64` into [1, 26]. */
export function goVersion(versionOutput: string): readonly [number, number] | undefined {
  const m = /go(\d+)\.(\d+)/.exec(versionOutput);
  return m?.[1] && m[2] ? [Number(m[1]), Number(m[2])] : undefined;
}

const JAVA_HINT =
  'install a Java 17+ runtime (Debian/Ubuntu: `sudo apt-get install openjdk-17-jre-headless`; macOS: `brew install openjdk@17`), ' +
  'or use an existing cluster with KAFKA_BROKERS=host:port';
const MAVEN_HINT =
  'install Apache Maven 3.6+ (Debian/Ubuntu: `sudo apt-get install maven`; macOS: `brew install maven`); it fetches Kafka once, ' +
  'or use an existing cluster with KAFKA_BROKERS=host:port';
const GO_HINT =
  'install Go 1.25 or newer (from your package manager or the official Go distribution); it builds the Temporal CLI once, ' +
  'or use an existing server with TEMPORAL_ADDRESS=host:port';

export async function requireJava(env: Readonly<Record<string, string | undefined>>): Promise<void> {
  const out = await probe('java', ['-version'], env);
  if (out === undefined) throw new MissingToolError('java', '17+', undefined, JAVA_HINT);
  const major = javaMajor(out);
  if (major === undefined || major < 17)
    throw new MissingToolError('java', '17+', `Java ${major ?? '(unknown)'}`, JAVA_HINT);
}

export async function requireMaven(env: Readonly<Record<string, string | undefined>>): Promise<void> {
  const out = await probe('mvn', ['-v'], env);
  if (out === undefined) throw new MissingToolError('mvn', '3.6+', undefined, MAVEN_HINT);
}

export async function requireGo(env: Readonly<Record<string, string | undefined>>): Promise<void> {
  const out = await probe('go', ['version'], env);
  if (out === undefined) throw new MissingToolError('go', '1.25+', undefined, GO_HINT);
  const v = goVersion(out);
  if (!v || v[0] < 1 || (v[0] === 1 && v[1] < 25)) {
    throw new MissingToolError('go', '1.25+', v ? `go${v[0]}.${v[1]}` : 'an unknown version', GO_HINT);
  }
}
