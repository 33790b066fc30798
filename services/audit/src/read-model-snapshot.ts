import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { once } from 'node:events';
import { open } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { SnapshotDamaged, list, num, text, type SnapshotLine } from './snapshot-lines.js';

/**
 * The read model's tallies as they stood at one record of the ledger, in a file of the audit
 * service's own: a start reads the snapshot and then only the records after it, not the whole
 * ledger. It is a cache: one that does not match (another ledger, other tally code, a damaged or
 * cut-short file) is set aside and the ledger read from the start, as without one.
 */
export interface SnapshotHeader {
  readonly format: typeof FORMAT;
  /** The tally code that wrote it (a digest of its source): other code counts other things. */
  readonly code: string;
  /** The last record it holds, and that record's hash: the ledger must still have it. */
  readonly seq: number;
  readonly hash: string;
  readonly writtenAt: string;
}

const FORMAT = 'govmesh-audit-read-model';
/**
 * The tallies stand still while they are written, so the lines go to the file in pieces of about
 * this many characters, not one by one: a write per line (160,000 for 100,000 cases) spent more
 * time in the stream's bookkeeping than in making the lines.
 */
const PIECE_CHARS = 1 << 20;
/** A header is a few hundred bytes; past this, the file is not a snapshot. */
const HEADER_MAX_BYTES = 4_096;

/** The tallies' own modules: a change to any of them makes earlier snapshots another code's. */
const TALLY_MODULES = ['scorecards', 'transparency', 'awaiting-rating', 'dated-log', 'snapshot-lines'];

/** A digest of the tally modules' source, as this process runs them (compiled, or under a test's loader). */
export const TALLY_CODE: string = (() => {
  const here = fileURLToPath(import.meta.url);
  const ext = extname(here);
  const digest = createHash('sha256');
  for (const name of TALLY_MODULES) digest.update(readFileSync(join(dirname(here), `${name}${ext}`)));
  return digest.digest('hex').slice(0, 32);
})();

/**
 * Writes the header and the lines to `file`, streamed (a long-used ledger's tallies are tens of
 * megabytes), through a file beside it renamed into place at the end: a write cut short leaves
 * the snapshot before it. The last line counts the lines, so a file cut short is told apart.
 * `written.bytes` follows the write as it goes (characters handed to the file: the lines are
 * JSON, nearly all ASCII), so a caller can tell how far it has come.
 */
export async function writeSnapshot(
  file: string,
  header: Omit<SnapshotHeader, 'format' | 'code' | 'writtenAt'>,
  lines: Iterable<SnapshotLine>,
  written: { bytes: number } = { bytes: 0 },
): Promise<{ readonly lines: number; readonly bytes: number }> {
  mkdirSync(dirname(file), { recursive: true });
  removeAbandonedPartials(file);
  const partial = join(dirname(file), `.${basename(file)}.${process.pid}.partial`);
  const out = createWriteStream(partial);
  const failed = once(out, 'error').then(([err]) => Promise.reject(err as Error));
  failed.catch(() => undefined);
  let count = 0;
  let piece: string[] = [];
  let pieceChars = 0;
  const flush = async (): Promise<void> => {
    const chunk = piece.join('');
    piece = [];
    pieceChars = 0;
    if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed]);
  };
  /** Undefined (nothing to wait for) until a piece is full: most lines cost no await. */
  const put = (line: unknown): Promise<void> | undefined => {
    const json = `${JSON.stringify(line)}\n`;
    written.bytes += json.length;
    piece.push(json);
    pieceChars += json.length;
    return pieceChars >= PIECE_CHARS ? flush() : undefined;
  };
  try {
    const full: SnapshotHeader = { format: FORMAT, code: TALLY_CODE, writtenAt: new Date().toISOString(), ...header };
    await put(full);
    for (const line of lines) {
      const pieceFull = put(line);
      if (pieceFull) await pieceFull;
      count += 1;
    }
    await put(['end', count]);
    await flush();
    out.end();
    await Promise.race([once(out, 'close'), failed]);
    renameSync(partial, file);
    return { lines: count, bytes: out.bytesWritten };
  } catch (err) {
    out.destroy();
    rmSync(partial, { force: true });
    throw err;
  }
}

/**
 * Removes what writes cut short left (a service killed while writing, at a stop that outlasted its
 * grace): each is as large as a snapshot, and a new process writes under its own name. One whose
 * process still runs (another replica's write, in a shared folder) is left alone.
 */
function removeAbandonedPartials(file: string): void {
  const own = new RegExp(`^\\.${basename(file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)\\.partial$`);
  for (const name of readdirSync(dirname(file))) {
    const pid = Number(own.exec(name)?.[1]);
    if (pid && !processRuns(pid)) rmSync(join(dirname(file), name), { force: true });
  }
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why a snapshot was not used: said in the log, and the ledger read from the start. */
export class SnapshotNotUsable extends Error {
  override readonly name = 'SnapshotNotUsable';
  readonly code = 'AUDIT.SNAPSHOT_NOT_USABLE';
  readonly retriable = false;
}

/** The snapshot's header, or undefined when there is no file. */
export async function snapshotHeader(file: string): Promise<SnapshotHeader | undefined> {
  if (!existsSync(file)) return undefined;
  const handle = await open(file);
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(HEADER_MAX_BYTES), 0, HEADER_MAX_BYTES, 0);
    const first = buffer.subarray(0, bytesRead).toString('utf8').split('\n', 1)[0]!;
    let header: Partial<SnapshotHeader>;
    try {
      header = JSON.parse(first) as Partial<SnapshotHeader>;
    } catch {
      throw new SnapshotNotUsable(`${file} does not begin with a read model snapshot's header`);
    }
    if (header.format !== FORMAT) throw new SnapshotNotUsable(`${file} is not a read model snapshot`);
    return { ...header, seq: num(header.seq), hash: text(header.hash), code: text(header.code) } as SnapshotHeader;
  } finally {
    await handle.close();
  }
}

/**
 * The lines after the header, each checked to be a line; the last must count them all.
 * `read.bytes` follows how much of the file has been read, so a caller can tell how far it has come.
 */
export async function* snapshotLines(
  file: string,
  read: { bytes: number } = { bytes: 0 },
): AsyncGenerator<SnapshotLine> {
  let count = -1; // the header is not counted
  for await (const raw of lineReader(file, read)) {
    count += 1;
    if (count === 0) continue;
    const line = list(JSON.parse(raw));
    if (line[0] === 'end') {
      if (line[1] !== count - 1)
        throw new SnapshotDamaged(`the snapshot's end counts ${String(line[1])} lines of ${count - 1}`);
      return;
    }
    yield line;
  }
  throw new SnapshotDamaged(`the snapshot ends after ${Math.max(0, count)} lines, without its last`);
}

function lineReader(file: string, read: { bytes: number }): AsyncIterable<string> {
  const input = createReadStream(file, { encoding: 'utf8' });
  input.on('data', () => (read.bytes = input.bytesRead));
  return createInterface({ input, crlfDelay: Infinity });
}
