/**
 * AES-256-GCM payload codec with a keyring. Temporal keeps workflow inputs, results, activity
 * arguments and (with the failure converter below) failure messages in its history; this encrypts
 * all of them, so the history is no plaintext copy of the data being erased.
 *
 * Each payload's whole serialized proto (metadata included) is encrypted with a fresh 12-byte IV;
 * the key id goes into the new payload's metadata (and into the GCM additional data, so a payload
 * cannot be relabelled with another key id). The newest key encrypts; any key in the ring decrypts.
 */
import { webcrypto } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { PayloadKey } from './keys';

export const ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;

const utf8 = new TextEncoder();
const text = new TextDecoder();

export class EncryptionCodec implements PayloadCodec {
  private constructor(
    private readonly keys: Map<string, webcrypto.CryptoKey>,
    readonly activeKeyId: string,
  ) {}

  static async create(ring: PayloadKey[]): Promise<EncryptionCodec> {
    const [active] = ring;
    if (!active) throw new Error('payload keyring is empty');
    const keys = new Map<string, webcrypto.CryptoKey>();
    for (const { id, raw } of ring) {
      keys.set(id, await webcrypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']));
    }
    return new EncryptionCodec(keys, active.id);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys.get(this.activeKeyId)!;
    return Promise.all(
      payloads.map(async (payload) => {
        const plain = temporal.api.common.v1.Payload.encode(payload).finish();
        const iv = webcrypto.getRandomValues(new Uint8Array(IV_BYTES));
        const cipher = new Uint8Array(
          await webcrypto.subtle.encrypt(
            { name: 'AES-GCM', iv, additionalData: utf8.encode(this.activeKeyId) },
            key,
            plain,
          ),
        );
        const data = new Uint8Array(IV_BYTES + cipher.length);
        data.set(iv);
        data.set(cipher, IV_BYTES);
        return {
          metadata: { encoding: utf8.encode(ENCODING), [KEY_ID_METADATA]: utf8.encode(this.activeKeyId) },
          data,
        };
      }),
    );
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(
      payloads.map(async (payload) => {
        // Payloads written before encryption was switched on pass through unchanged.
        if (!payload.metadata?.encoding || text.decode(payload.metadata.encoding) !== ENCODING) return payload;
        const keyIdBytes = payload.metadata[KEY_ID_METADATA];
        const keyId = keyIdBytes ? text.decode(keyIdBytes) : '(none)';
        const key = this.keys.get(keyId);
        if (!key) throw new Error(`payload encrypted with key id "${keyId}", which is not in DSR_PAYLOAD_KEYS`);
        const data = payload.data ?? new Uint8Array();
        let plain: ArrayBuffer;
        try {
          plain = await webcrypto.subtle.decrypt(
            { name: 'AES-GCM', iv: data.subarray(0, IV_BYTES), additionalData: utf8.encode(keyId) },
            key,
            data.subarray(IV_BYTES),
          );
        } catch {
          // WebCrypto's own message ("The operation failed for an operation-specific reason") names nothing.
          throw new Error(
            `payload under key id "${keyId}" does not decrypt: it was altered, or encrypted with another key listed under the same id`,
          );
        }
        return temporal.api.common.v1.Payload.decode(new Uint8Array(plain));
      }),
    );
  }
}
