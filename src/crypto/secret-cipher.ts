import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

// Format: "sb1:gcm:" + base64url(nonce[12] ‖ ciphertext ‖ tag[16]). The version tag lets a later key
// scheme coexist with rows written under this one.
const PREFIX = "sb1:gcm:";
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface SecretCipher {
  encrypt(plaintext: string): string;
  /** Throws when the value was not written by this cipher under the same key. */
  decrypt(stored: string): string;
  isEncrypted(value: unknown): value is string;
}

export function createSecretCipher(secret: string): SecretCipher {
  const key = Buffer.from(hkdfSync("sha256", secret, "switchboard", "switchboard-at-rest-v1", 32));
  return {
    encrypt(plaintext) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, nonce);
      const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return PREFIX + Buffer.concat([nonce, body, cipher.getAuthTag()]).toString("base64url");
    },
    decrypt(stored) {
      if (!stored.startsWith(PREFIX)) throw new Error("value is not an encrypted secret");
      const raw = Buffer.from(stored.slice(PREFIX.length), "base64url");
      if (raw.length < NONCE_BYTES + TAG_BYTES) throw new Error("encrypted secret is truncated");
      const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, NONCE_BYTES));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      const body = raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
    },
    isEncrypted(value): value is string {
      return typeof value === "string" && value.startsWith(PREFIX);
    },
  };
}
