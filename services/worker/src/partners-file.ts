import { readFileSync } from 'node:fs';

import { PartnerProfile } from '@govmesh/contracts/partner-profile';
import { parse } from 'yaml';
import { z } from 'zod';

/** Reads the contracted partners; a bad file is refused with every problem listed. */
export function readPartnersFile(path: string): PartnerProfile[] {
  const parsed = z.array(PartnerProfile).safeParse(parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path}: invalid partner profiles\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
