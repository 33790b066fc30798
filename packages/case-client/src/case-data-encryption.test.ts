import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DefaultPayloadConverter, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';

import {
  CaseDataCodec,
  ENCRYPTED_ENCODING,
  UnknownCaseDataKey,
  loadCaseDataKeys,
  rotateCaseDataKey,
} from './case-data-encryption.js';

const converter = new DefaultPayloadConverter();
const application = { applicant: { name: 'Ada Lovelace', nationalId: 'NID-1' } };
const keysFile = () => join(mkdtempSync(join(tmpdir(), 'govmesh-keys-')), 'secrets', 'case-keys.json');
const text = (p: Payload) => Buffer.from(p.data ?? []).toString('latin1');

describe('case data encryption', () => {
  it('seals a payload so no field is readable, and opens it to the same value', async () => {
    const file = keysFile();
    const codec = new CaseDataCodec(loadCaseDataKeys({ file }));
    const [sealed] = await codec.encode([converter.toPayload(application)]);
    expect(Buffer.from(sealed!.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    expect(text(sealed!)).not.toContain('Ada Lovelace');
    expect(text(sealed!)).not.toContain('NID-1');
    const [opened] = await codec.decode([sealed!]);
    expect(converter.fromPayload(opened!)).toEqual(application);
    // The key file is made on first use, readable by its owner only.
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('reads what an older key sealed after a rotation, and seals with the new key', async () => {
    const file = keysFile();
    const before = loadCaseDataKeys({ file });
    const [old] = await new CaseDataCodec(before).encode([converter.toPayload(application)]);
    const rotated = rotateCaseDataKey(file);
    expect(rotated).toMatchObject({ keys: 2 });
    const after = loadCaseDataKeys({ file });
    expect(after.active).toBe(rotated.active);
    expect(after.active).not.toBe(before.active);
    const codec = new CaseDataCodec(after);
    expect(converter.fromPayload((await codec.decode([old!]))[0]!)).toEqual(application);
    const [fresh] = await codec.encode([converter.toPayload(application)]);
    expect(Buffer.from(fresh!.metadata!['encryption-key-id']!).toString()).toBe(rotated.active);
  });

  it('refuses a payload sealed with a key it does not hold, and one that was tampered with', async () => {
    const [sealed] = await new CaseDataCodec(loadCaseDataKeys({ file: keysFile() })).encode([
      converter.toPayload(application),
    ]);
    const stranger = new CaseDataCodec(loadCaseDataKeys({ file: keysFile() }));
    await expect(stranger.decode([sealed!])).rejects.toBeInstanceOf(UnknownCaseDataKey);
    const file = keysFile();
    const codec = new CaseDataCodec(loadCaseDataKeys({ file }));
    const [mine] = await codec.encode([converter.toPayload(application)]);
    const data = Buffer.from(mine!.data!);
    data[20] = data[20]! ^ 1;
    await expect(codec.decode([{ ...mine!, data }])).rejects.toThrow(/unable to authenticate data|auth/i);
  });

  it('passes a payload that was never sealed (a case from before encryption)', async () => {
    const codec = new CaseDataCodec(loadCaseDataKeys({ file: keysFile() }));
    const plain = converter.toPayload(application);
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it('takes the keyring from the environment, and names the rule a bad one breaks', async () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const keys = loadCaseDataKeys({ json: JSON.stringify({ active: 'k1', keys: { k1: key } }), file: '/nonexistent' });
    expect(keys.active).toBe('k1');
    const [sealed] = await new CaseDataCodec(keys).encode([converter.toPayload(application)]);
    expect(Buffer.from(sealed!.metadata!['encryption-key-id']!).toString()).toBe('k1');
    expect(() => loadCaseDataKeys({ json: '{"active":"k1","keys":{"k1":"c2hvcnQ="}}', file: '/nonexistent' })).toThrow(
      /GOVMESH_CASE_KEYS is not a case data keyring:[\s\S]*a key is 32 bytes/,
    );
    expect(() =>
      loadCaseDataKeys({ json: JSON.stringify({ active: 'k2', keys: { k1: key } }), file: '/nonexistent' }),
    ).toThrow(/active must name one of keys/);
  });
});
