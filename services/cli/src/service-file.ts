import { readFileSync } from 'node:fs';

import type { DefinitionProblem } from '@govmesh/contracts/validate-service-definition';
import { parseDocument } from 'yaml';

/**
 * Reads a service definition file (YAML or JSON; JSON is YAML too). A file that cannot be
 * read, is empty, or is not YAML or JSON at all becomes one clear problem instead of an exception.
 */
export function readServiceFile(path: string): { value: unknown } | { problem: DefinitionProblem } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    return { problem: { step: null, rule: 'file-unreadable', message: `cannot read ${path}: ${reason}` } };
  }
  if (text.includes('\u0000')) {
    return { problem: { step: null, rule: 'not-yaml-or-json', message: `${path} is a binary file, not YAML or JSON` } };
  }
  const document = parseDocument(text, { uniqueKeys: true });
  const [error] = document.errors;
  if (error) {
    const at = error.linePos?.[0] ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '';
    return {
      problem: {
        step: null,
        rule: 'not-yaml-or-json',
        message: `${path} is not valid YAML or JSON${at}: ${error.message.split('\n')[0]}`,
      },
    };
  }
  const value: unknown = document.toJS();
  if (value === null || value === undefined) {
    return {
      problem: {
        step: null,
        rule: 'empty-file',
        message: `${path} is empty: a service definition starts with apiVersion: govmesh/v1`,
      },
    };
  }
  return { value };
}
