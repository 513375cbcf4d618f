import { describe, expect, it } from "@jest/globals";
import { createSecretCipher } from "../../src/crypto/secret-cipher.js";
import { createLogger } from "../../src/logging/logger.js";
import { deploymentFromConfig } from "../../src/registry/deployment.js";
import { scrubSecrets, secretValues } from "../../src/registry/secret-scrub.js";
import {
  isHeaderField,
  isSecretField,
  MASK_LENGTH,
  maskSecret,
  maskSecretParams,
  restoreMaskedSecrets,
} from "../../src/registry/secret-fields.js";

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
    "ssh_passphrase",
    "connection_string",
    "connectionString",
    "conn_str",
    "sentry_dsn",
    "session_cookie",
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
    "connection_timeout",
    "string_format",
  ])("does not treat %s as a secret", (name) => expect(isSecretField(name)).toBe(false));

  it.each(["extra_headers", "headers", "default_headers", "extraHeaders"])(
    "treats every value of %s as a secret",
    (name) => expect(isHeaderField(name)).toBe(true),
  );

  it("masks as first four, stars, last four from 20 characters; shorter values entirely", () => {
    expect(maskSecret("sk-1234567890abcdefgh")).toBe("sk-1****efgh");
    expect(maskSecret("short")).toBe("************");
    expect(maskSecret("sk-1234567890abcdef")).toBe("************");
  });

  it("gives every mask the same length, whatever the secret's", () => {
    for (let length = 1; length <= 64; length++) expect(maskSecret("x".repeat(length))).toHaveLength(MASK_LENGTH);
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

const STARS = "*".repeat(MASK_LENGTH);

/** One of every kind of positional secret, as an attacker found them stored in plain text. */
const positional = {
  model: "openai/gpt-4o",
  api_base: "https://gateway-user:gateway-pass-0123@llm.example.test/v1?api-key=query-secret-abcdef&api-version=2024",
  extra_headers: { Cookie: "session=cookie-secret-0123456789", "X-Authentication": "xauth" },
  headers: [["X-Tenant-Token", "pair-secret-abcdefghijklmn"], { name: "X-Other", value: "entry-secret-zyxwvuts" }],
  extra_body: { db: { connection_string: "postgres://u:p@db/x", targets: [{ password: "nested-in-array-pw" }] } },
  api_keys: ["list-secret-one-0123456789", "list-secret-two"],
  rpm: 10,
};

describe("secrets by position", () => {
  const masked = maskSecretParams(positional);

  it("masks every header value, in object, pair and entry form, and leaves header names", () => {
    expect(masked.extra_headers).toEqual({ Cookie: "sess****6789", "X-Authentication": STARS });
    expect(masked.headers).toEqual([["X-Tenant-Token", "pair****klmn"], { name: "X-Other", value: "entr****vuts" }]);
  });

  it("masks the user info and every query value of a URL, keeping host, path and query names", () => {
    expect(masked.api_base).toBe(`https://${STARS}@llm.example.test/v1?api-key=${STARS}&api-version=${STARS}`);
  });

  it("masks secret-named fields at any depth, inside arrays too", () => {
    expect(masked.extra_body).toEqual({ db: { connection_string: STARS, targets: [{ password: STARS }] } });
    expect(masked.api_keys).toEqual(["list****6789", STARS]);
    expect(masked.rpm).toBe(10);
  });

  it("keeps a __proto__ key as data, never as a prototype", () => {
    const hostile = JSON.parse(
      '{"extra_headers":{"__proto__":{"polluted":"proto-secret-value-0123"}},"__proto__":"x"}',
    );
    const out = maskSecretParams(hostile as Record<string, unknown>);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getOwnPropertyNames(out.extra_headers)).toEqual(["__proto__"]);
    expect(JSON.stringify(out)).not.toContain("proto-secret-value");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("leaves a URL without credentials as it is", () => {
    expect(maskSecretParams({ api_base: "https://api.example.test/v1" }).api_base).toBe("https://api.example.test/v1");
  });

  it("keeps no secret anywhere in the masked params", () => {
    const text = JSON.stringify(masked);
    for (const secret of ["gateway-pass", "query-secret", "cookie-secret", "pair-secret", "entry-secret", "xauth"]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toContain("nested-in-array-pw");
    expect(text).not.toContain("u:p@db");
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

  it("keep the stored value at every position: header forms, URL parts, list items", () => {
    expect(restoreMaskedSecrets(maskSecretParams(positional), positional)).toEqual(positional);
  });

  it("keep the URL's stored credentials when only its host changes, and take a new query value", () => {
    const masked = String(maskSecretParams(positional).api_base);
    const moved = masked
      .replace("llm.example.test", "llm2.example.test")
      .replace(`api-version=${STARS}`, "api-version=2025");
    expect(restoreMaskedSecrets({ api_base: moved }, positional).api_base).toBe(
      "https://gateway-user:gateway-pass-0123@llm2.example.test/v1?api-key=query-secret-abcdef&api-version=2025",
    );
  });

  it("never restore a mask into a position that held nothing", () => {
    expect(restoreMaskedSecrets({ extra_headers: { New: STARS } }, positional)).toEqual({
      extra_headers: { New: STARS },
    });
  });
});

describe("upstream messages quoting a positional secret", () => {
  const deployment = deploymentFromConfig({
    id: "positional",
    modelName: "positional",
    litellmParams: positional,
    modelInfo: {},
    missingEnv: [],
  });

  it("know every header value and the api_base password and query values", () => {
    const found = secretValues(deployment);
    for (const secret of [
      "session=cookie-secret-0123456789",
      "pair-secret-abcdefghijklmn",
      "entry-secret-zyxwvuts",
      "gateway-pass-0123",
      "query-secret-abcdef",
      "list-secret-one-0123456789",
      "nested-in-array-pw",
    ]) {
      expect(found).toContain(secret);
    }
  });

  it("are masked or withheld", () => {
    expect(scrubSecrets("rejected cookie session=cookie-secret-0123456789", deployment)).toBe(
      "rejected cookie sess****6789",
    );
    expect(scrubSecrets("bad password gateway-pass-0123 for gateway-user", deployment)).not.toContain("gateway-pass");
    expect(scrubSecrets("token pair-secret-abcdefgh... unknown", deployment)).toContain("withheld");
  });
});

describe("log lines", () => {
  it("mask the credentials of a URL an error quotes", () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "info", destination: { write: (line: string) => void lines.push(line) } });
    let error: unknown;
    try {
      new URL("https://log-user:log-pass-secret@[bad-host/v1?api-key=log-query-secret&x=");
    } catch (caught) {
      error = caught;
    }
    logger.error({ err: error, cause: "GET https://u2:log-pass-two@h/x?token=log-token-secret failed" }, "bad url");
    logger.error(
      { litellm_params: { api_base: "https://a:b@c", extra_headers: { Cookie: "log-cookie-secret" } } },
      "x",
    );
    const text = lines.join("");
    expect(text).toContain("ERR_INVALID_URL");
    for (const secret of [
      "log-pass-secret",
      "log-query-secret",
      "log-pass-two",
      "log-token-secret",
      "log-cookie-secret",
    ]) {
      expect(text).not.toContain(secret);
    }
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
