import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import { canonicalJson } from './canonical-hash.js';
import type { SignedCheckpoint } from './ledger-store.js';

/** Identifies a public key: SHA-256 of its SPKI DER, hex. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

function signedBytes(c: Omit<SignedCheckpoint, 'signature'>): Buffer {
  return Buffer.from(canonicalJson({ seq: c.seq, headHash: c.headHash, signedAt: c.signedAt, keyId: c.keyId }));
}

export class CheckpointSigner {
  readonly publicKey: KeyObject;
  readonly keyId: string;

  constructor(private readonly privateKey: KeyObject) {
    if (privateKey.asymmetricKeyType !== 'ed25519')
      throw new Error(`the ledger signing key must be Ed25519, not ${privateKey.asymmetricKeyType}`);
    this.publicKey = createPublicKey(privateKey);
    this.keyId = keyIdOf(this.publicKey);
  }

  static fromPem(pem: string): CheckpointSigner {
    return new CheckpointSigner(createPrivateKey(pem));
  }

  publicKeyPem(): string {
    return this.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  sign(seq: number, headHash: string, signedAt: Date): SignedCheckpoint {
    const unsigned = { seq, headHash, signedAt: signedAt.toISOString(), keyId: this.keyId };
    return { ...unsigned, signature: sign(null, signedBytes(unsigned), this.privateKey).toString('base64') };
  }
}

/** True when the checkpoint was signed by the holder of this public key and not changed since. */
export function checkpointIsAuthentic(checkpoint: SignedCheckpoint, publicKey: KeyObject): boolean {
  if (checkpoint.keyId !== keyIdOf(publicKey)) return false;
  return verify(null, signedBytes(checkpoint), publicKey, Buffer.from(checkpoint.signature, 'base64'));
}

/**
 * The signing key from a PEM file. On a laptop with none configured, one is made on first use
 * (readable by its owner only), so checkpoints are signed from the start; production passes its own.
 */
export function loadOrCreateSigningKey(path: string): CheckpointSigner {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  return CheckpointSigner.fromPem(readFileSync(path, 'utf8'));
}
