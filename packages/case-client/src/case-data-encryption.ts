import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import { METADATA_ENCODING_KEY, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { z } from 'zod';

/**
 * A case's data (the application, outputs, decisions, its state) is encrypted before it reaches the
 * Temporal server: histories, queries and the Temporal UI hold ciphertext. AES-256-GCM per
 * payload, the whole payload (with its own metadata) sealed, the key's id in the clear metadata so
 * keys can rotate: new payloads use the active key, old ones are read with the key that sealed them.
 * (The approach of temporalio/samples-typescript's encryption sample.)
 */

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

const KeyText = z
  .string()
  .refine((k) => Buffer.from(k, 'base64').length === 32, 'a key is 32 bytes (AES-256), base64-encoded');
const KeyId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a key id is 1 to 64 letters, digits, dots, dashes');
export const CaseDataKeyring = z
  .object({ active: KeyId, keys: z.record(KeyId, KeyText) })
  .refine((k) => k.active in k.keys, { message: 'active must name one of keys', path: ['active'] });
export type CaseDataKeyring = z.infer<typeof CaseDataKeyring>;

/** A payload sealed with a key this process does not hold: never retriable, the key must be given. */
export class UnknownCaseDataKey extends Error {
  override readonly name = 'UnknownCaseDataKey';
  readonly code = 'CASE_DATA.UNKNOWN_KEY';
  readonly retriable = false;
  constructor(readonly keyId: string) {
    super(
      `case data was encrypted with key ${keyId}, which this process does not hold; give it every key still in use (GOVMESH_CASE_KEYS_FILE)`,
    );
  }
}

/** The keys a process encrypts and decrypts case data with. */
export class CaseDataKeys {
  private readonly keys: ReadonlyMap<string, Buffer>;
  constructor(keyring: CaseDataKeyring) {
    this.active = keyring.active;
    this.keys = new Map(Object.entries(keyring.keys).map(([id, k]) => [id, Buffer.from(k, 'base64')]));
  }
  readonly active: string;
  key(id: string): Buffer {
    const key = this.keys.get(id);
    if (!key) throw new UnknownCaseDataKey(id);
    return key;
  }
  ids(): string[] {
    return [...this.keys.keys()];
  }
}

const newKeyId = (at = new Date()) => `${at.toISOString().slice(0, 10)}-${randomBytes(3).toString('hex')}`;
const newKey = () => randomBytes(32).toString('base64');

function parseKeyring(text: string, where: string): CaseDataKeyring {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${where} is not JSON: ${(err as Error).message}`);
  }
  const parsed = CaseDataKeyring.safeParse(raw);
  if (!parsed.success) throw new Error(`${where} is not a case data keyring:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/**
 * The keys: `GOVMESH_CASE_KEYS` (the keyring's JSON, from a secret store) if set, else the file
 * (on a laptop `<data folder>/secrets/case-keys.json`, mode 0600), made with one new key by
 * whichever process reads it first.
 */
export function loadCaseDataKeys(source: { readonly json?: string | undefined; readonly file: string }): CaseDataKeys {
  if (source.json) return new CaseDataKeys(parseKeyring(source.json, 'GOVMESH_CASE_KEYS'));
  const { file } = source;
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const id = newKeyId();
    try {
      writeFileSync(file, `${JSON.stringify({ active: id, keys: { [id]: newKey() } }, null, 2)}\n`, {
        mode: 0o600,
        flag: 'wx',
      });
    } catch (err) {
      // Another process made it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  chmodSync(file, 0o600);
  return new CaseDataKeys(parseKeyring(readFileSync(file, 'utf8'), file));
}

/**
 * Adds a new key and makes it the active one; every older key stays, since histories sealed with
 * it must still be read. Processes take the new key when they next start.
 */
export function rotateCaseDataKey(file: string, at = new Date()): { readonly active: string; readonly keys: number } {
  const keyring = loadCaseDataKeys({ file });
  const current = JSON.parse(readFileSync(file, 'utf8')) as CaseDataKeyring;
  const id = newKeyId(at);
  const next: CaseDataKeyring = { active: id, keys: { ...current.keys, [id]: newKey() } };
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, file);
  return { active: id, keys: keyring.ids().length + 1 };
}

/** Seals and opens Temporal payloads with the case data keys. */
export class CaseDataCodec implements PayloadCodec {
  constructor(private readonly keys: CaseDataKeys) {}

  // A failure (an unknown key, a tampered payload) rejects the promise, as the SDK expects.
  encode(payloads: Payload[]): Promise<Payload[]> {
    return new Promise((resolve) => resolve(payloads.map((p) => this.seal(p))));
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return new Promise((resolve) => resolve(payloads.map((p) => this.open(p))));
  }

  private seal(payload: Payload): Payload {
    const keyId = this.keys.active;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.key(keyId), nonce);
    const plain = proto.temporal.api.common.v1.Payload.encode(payload).finish();
    const sealed = Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA]: Buffer.from(keyId),
      },
      data: sealed,
    };
  }

  /** A payload that was never sealed (a case from before encryption) passes as it is. */
  private open(payload: Payload): Payload {
    const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
    if (!encoding || Buffer.from(encoding).toString() !== ENCRYPTED_ENCODING) return payload;
    const keyIdBytes = payload.metadata?.[KEY_ID_METADATA];
    if (!keyIdBytes || !payload.data) throw new Error('an encrypted payload without its key id or data');
    const sealed = Buffer.from(payload.data);
    const decipher = createDecipheriv(
      'aes-256-gcm',
      this.keys.key(Buffer.from(keyIdBytes).toString()),
      sealed.subarray(0, NONCE_BYTES),
    );
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    // final() throws when the ciphertext or its tag was altered: a tampered payload is never read.
    const plain = Buffer.concat([
      decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)),
      decipher.final(),
    ]);
    return proto.temporal.api.common.v1.Payload.decode(plain);
  }
}

/** The data converter every govmesh client and worker uses: JSON, then sealed. */
export function caseDataConverter(keys: CaseDataKeys): DataConverter {
  return { payloadCodecs: [new CaseDataCodec(keys)] };
}
