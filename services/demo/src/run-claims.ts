import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import { isAlive } from '@govmesh/infra';

/**
 * A file in the data folder's `run/` saying which live process holds something there: serves
 * from the folder, or has the demo crew on duty. The pid and a word of the holder's command line
 * (so a recycled pid is never taken for it); a holder that died leaves a file nobody holds.
 */
export type RunClaim<T extends object = object> = T & { readonly pid: number; readonly marker: string };

/** The live process, other than this one, that holds `file`, if one does. */
export function claimHolder<T extends object = object>(file: string): RunClaim<T> | undefined {
  try {
    const claim = JSON.parse(readFileSync(file, 'utf8')) as RunClaim<T>;
    return claim.pid !== process.pid && isAlive(claim) ? claim : undefined;
  } catch {
    return undefined; // no file, or one cut short by a crash: nobody holds it
  }
}

function claimOf<T extends object>(details: T): string {
  return `${JSON.stringify({ ...details, pid: process.pid, marker: process.argv[1] ?? 'node' })}\n`;
}

/** Says that this process holds `file` now, whoever held it; the returned function lets it go. */
export function declareClaim<T extends object>(file: string, details: T): () => void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, claimOf(details));
  return () => release(file);
}

/**
 * Takes `file` for this process unless a live one holds it, in which case that one's claim comes
 * back and nothing is written. The claim is written beside the file and linked into place, so the
 * file appears whole or not at all, and of two processes taking it at once one links it first and
 * the other sees the winner's claim.
 */
export function takeClaim<T extends object>(
  file: string,
  details: T,
): { readonly release: () => void } | { readonly heldBy: RunClaim<T> } {
  mkdirSync(dirname(file), { recursive: true });
  const mine = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(mine, claimOf(details));
  try {
    for (;;) {
      try {
        linkSync(mine, file);
        return { release: () => release(file) };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = claimHolder<T>(file);
      if (holder) return { heldBy: holder };
      takeOver(file);
    }
  } finally {
    rmSync(mine, { force: true });
  }
}

/**
 * Moves aside a claim nobody holds (its process is gone). Another process may have replaced it
 * between the look and the move: a live claim moved aside by mistake is put back.
 */
function takeOver(file: string): void {
  const aside = `${file}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    renameSync(file, aside);
  } catch {
    return; // moved or released meanwhile: look again
  }
  if (claimHolder(aside) !== undefined) {
    try {
      linkSync(aside, file);
    } catch {
      // a third process took the file meanwhile: its claim stands, and the look again sees it
    }
  }
  rmSync(aside, { force: true });
}

function release(file: string): void {
  // Only this process's own claim: another may hold the file by now.
  try {
    if ((JSON.parse(readFileSync(file, 'utf8')) as RunClaim).pid === process.pid) rmSync(file, { force: true });
  } catch {
    // gone already
  }
}
