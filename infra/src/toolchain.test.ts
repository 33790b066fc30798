import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { MissingToolError } from './errors.js';
import { goVersion, javaMajor, requireGo, requireJava, requireMaven } from './toolchain.js';

/** A folder holding one fake program that prints `output`, to stand in for java or go on PATH. */
function pathWith(program: string, output: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'govmesh-toolchain-'));
  writeFileSync(join(dir, program), `#!/bin/sh\necho '${output}' >&2\n`);
  chmodSync(join(dir, program), 0o755);
  return dir;
}

describe('toolchain checks', () => {
  it('read the Java and Go versions the way the tools print them', () => {
    expect(javaMajor('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(javaMajor('java version "1.8.0_412"')).toBe(8);
    expect(goVersion('go version go1.26.8 linux/amd64')).toEqual([1, 26]);
  });

  it('say how to install Java when it is missing', async () => {
    const error = await requireJava({ PATH: '/nonexistent' }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(MissingToolError);
    expect((error as MissingToolError).message).toBe('java 17+ is needed but was not found on PATH');
    expect((error as MissingToolError).hint).toMatch(/apt-get install openjdk-17-jre-headless.*KAFKA_BROKERS/);
  });

  it('refuse a Java older than 17, naming the version found', async () => {
    const error = await requireJava({ PATH: pathWith('java', 'java version "11.0.2"') }).catch((err: unknown) => err);
    expect((error as MissingToolError).message).toBe('java 17+ is needed but Java 11 was found');
  });

  it('refuse a Go too old to build the Temporal CLI, and say how to avoid building it', async () => {
    const error = await requireGo({ PATH: pathWith('go', 'go version go1.22.1 linux/amd64') }).catch(
      (err: unknown) => err,
    );
    expect((error as MissingToolError).message).toBe('go 1.25+ is needed but go1.22 was found');
    expect((error as MissingToolError).hint).toMatch(/TEMPORAL_ADDRESS/);
  });

  it('say how to install Maven when it is missing', async () => {
    const error = await requireMaven({ PATH: '/nonexistent' }).catch((err: unknown) => err);
    expect((error as MissingToolError).hint).toMatch(/apt-get install maven/);
  });
});
