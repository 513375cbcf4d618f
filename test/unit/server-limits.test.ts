import { describe, expect, it } from "@jest/globals";
import { EnvError, parseEnv } from "../../src/config/env.js";

describe("server limits from the environment", () => {
  it("has production defaults", () => {
    expect(parseEnv({}).server).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 120_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 4096,
    });
  });

  it("takes HTTP_* variables", () => {
    const env = parseEnv({
      HTTP_HEADERS_TIMEOUT_MS: "2000",
      HTTP_REQUEST_TIMEOUT_MS: "30000",
      HTTP_KEEP_ALIVE_TIMEOUT_MS: "65000",
      HTTP_MAX_CONNECTIONS: "100",
    });
    expect(env.server).toEqual({
      headersTimeoutMs: 2000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 65_000,
      maxConnections: 100,
    });
  });

  it("refuses a headers timeout above the request timeout, and values out of range", () => {
    expect(() => parseEnv({ HTTP_HEADERS_TIMEOUT_MS: "5000", HTTP_REQUEST_TIMEOUT_MS: "1000" })).toThrow(EnvError);
    expect(() => parseEnv({ HTTP_MAX_CONNECTIONS: "0" })).toThrow(EnvError);
    expect(() => parseEnv({ HTTP_HEADERS_TIMEOUT_MS: "10" })).toThrow(EnvError);
  });
});
