import { describe, expect, it } from "@jest/globals";
import { createSecretCipher } from "../../src/crypto/secret-cipher.js";
import { isSecretField, maskSecret, maskSecretParams, restoreMaskedSecrets } from "../../src/registry/secret-fields.js";

describe("secret fields", () => {
  it.each([
    "api_key",
    "aws_secret_access_key",
    "client_secret",
    "vertex_credentials",
    "my_token",
    "db_password",
    "apiKey",
    "apikey",
    "accesstoken",
    "clientsecret",
    "dbpassword",
  ])("treats %s as a secret", (name) => expect(isSecretField(name)).toBe(true));

  it.each([
    "model",
    "api_base",
    "max_tokens",
    "max_completion_tokens",
    "input_cost_per_token",
    "rpm",
    "api_version",
    "timeout",
    "keywords",
  ])("does not treat %s as a secret", (name) => expect(isSecretField(name)).toBe(false));

  it("masks as first four, stars, last four; short values entirely", () => {
    expect(maskSecret("sk-1234567890abcdef")).toBe("sk-1****cdef");
    expect(maskSecret("short")).toBe("*****");
  });

  it("masks nested secrets and leaves empty values visible", () => {
    expect(
      maskSecretParams({
        model: "gpt-4o",
        api_key: "",
        extra_headers: { Authorization: "Bearer abcdefghijklmnop" },
        aws_secret_access_key: "AKIAABCDEFGHIJKLMNOP",
      }),
    ).toEqual({
      model: "gpt-4o",
      api_key: "",
      extra_headers: { Authorization: "Bear****mnop" },
      aws_secret_access_key: "AKIA****MNOP",
    });
  });
});

describe("masked secrets sent back", () => {
  const stored = {
    api_key: "sk-1234567890abcdef",
    extra_headers: { Authorization: "Bearer abcdefghijklmnop", "X-Trace": "1" },
  };

  it("keep the stored value at any depth, and a new value replaces it", () => {
    expect(restoreMaskedSecrets(maskSecretParams(stored), stored)).toEqual(stored);
    expect(restoreMaskedSecrets({ api_key: "sk-new-0000000000000" }, stored)).toEqual({
      api_key: "sk-new-0000000000000",
    });
  });
});

describe("secret cipher", () => {
  const cipher = createSecretCipher("salt-one");

  it("round-trips and never repeats a ciphertext", () => {
    const a = cipher.encrypt("sk-secret");
    const b = cipher.encrypt("sk-secret");
    expect(a).not.toBe(b);
    expect(a).not.toContain("sk-secret");
    expect(cipher.decrypt(a)).toBe("sk-secret");
  });

  it("refuses a value written under another key or tampered with", () => {
    const stored = cipher.encrypt("sk-secret");
    expect(() => createSecretCipher("salt-two").decrypt(stored)).toThrow();
    // Flip one bit of the authentication tag (editing base64 text can change only unused padding bits).
    const prefix = stored.slice(0, stored.lastIndexOf(":") + 1);
    const raw = Buffer.from(stored.slice(prefix.length), "base64url");
    raw[raw.length - 1]! ^= 0x01;
    expect(() => cipher.decrypt(prefix + raw.toString("base64url"))).toThrow();
  });
});
