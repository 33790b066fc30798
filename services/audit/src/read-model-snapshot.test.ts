import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { snapshotHeader, snapshotLines, writeSnapshot } from './read-model-snapshot.js';

describe("the read model's snapshot file", () => {
  it('is written whole and read back line by line, and a new write clears what a killed writer left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'govmesh-snapshot-file-'));
    const file = join(dir, 'read-model.snapshot');
    // A writer killed mid-write (its process is gone), and one still writing (this one's parent).
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    const abandoned = `.read-model.snapshot.${Number(gone.stdout.trim())}.partial`;
    const stillWriting = `.read-model.snapshot.${process.ppid}.partial`;
    writeFileSync(join(dir, abandoned), '{"format":');
    writeFileSync(join(dir, stillWriting), '{"format":');
    const lines = [
      ['s', ['tally', 'partner-1', 'check@1', [1, 2]]],
      ['t', ['service', 'permit', [3]]],
    ];
    expect(await writeSnapshot(file, { seq: 42, hash: 'ab'.repeat(32) }, lines)).toMatchObject({ lines: 2 });
    expect(existsSync(join(dir, abandoned))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual([stillWriting, 'read-model.snapshot'].sort());
    expect(await snapshotHeader(file)).toMatchObject({ seq: 42, hash: 'ab'.repeat(32) });
    const back: unknown[] = [];
    for await (const line of snapshotLines(file)) back.push(line);
    expect(back).toEqual(lines);
    expect(await snapshotHeader(join(dir, 'none'))).toBeUndefined();
  });

  it("counts the bytes it has written as it goes, ending at the file's size", async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'govmesh-snapshot-file-')), 'read-model.snapshot');
    const written = { bytes: 0 };
    const seen: number[] = [];
    function* lines() {
      for (let i = 0; i < 3; i += 1) {
        seen.push(written.bytes);
        yield ['s', ['tally', `partner-${i}`, 'x'.repeat(10_000)]];
      }
    }
    const { bytes } = await writeSnapshot(file, { seq: 1, hash: 'ab'.repeat(32) }, lines(), written);
    // The header before the first line, then each line as it is handed over.
    expect(seen[0]).toBeGreaterThan(0);
    expect(seen[1]! - seen[0]!).toBeGreaterThan(10_000);
    expect(seen[2]! - seen[1]!).toBe(seen[1]! - seen[0]!);
    expect(written.bytes).toBe(bytes);
    expect(written.bytes).toBe(statSync(file).size);
    // Read back, the reader follows the bytes it has read to the file's end.
    const read = { bytes: 0 };
    let readBack = 0;
    for await (const _ of snapshotLines(file, read)) readBack += 1;
    expect(readBack).toBe(3);
    expect(read.bytes).toBe(statSync(file).size);
  });
});
