import { describe, expect, it } from "@jest/globals";
import { FailoverLimitStore } from "../../src/limits/failover-store.js";
import { LocalLimitStore } from "../../src/limits/local-store.js";
import type { AdmitRequest, AdmitResult, SharedLimitStore } from "../../src/limits/ports.js";
import { createLogger } from "../../src/logging/logger.js";

const rpm = (limit: number): AdmitRequest => ({ checks: [{ kind: "requests", id: "k:rpm", limit }], lease: "l" });

describe("LocalLimitStore", () => {
  it("counts requests over the last 60 one-second buckets and frees them as they leave", async () => {
    let now = 1_000_000;
    const store = new LocalLimitStore(() => now);
    for (let i = 0; i < 3; i++) expect((await store.admit(rpm(3))).ok).toBe(true);
    const refused = await store.admit(rpm(3));
    expect(refused).toMatchObject({ ok: false, refused: 0, used: [3], retryAfterMs: 60_000 });
    now += 59_999;
    expect((await store.admit(rpm(3))).ok).toBe(false);
    now += 1;
    expect(await store.admit(rpm(3))).toEqual({ ok: true, used: [0] });
  });

  it("takes nothing when one counter of a call has no room", async () => {
    const store = new LocalLimitStore(() => 0);
    const both: AdmitRequest = {
      checks: [
        { kind: "requests", id: "a", limit: 10 },
        { kind: "parallel", id: "p", limit: 1 },
      ],
      lease: "one",
    };
    expect((await store.admit(both)).ok).toBe(true);
    expect(await store.admit({ ...both, lease: "two" })).toMatchObject({ ok: false, refused: 1, used: [1, 1] });
    await store.settle({ lease: "one", parallelIds: ["p"], tokens: 0, tokenIds: [] });
    expect(await store.admit({ ...both, lease: "three" })).toEqual({ ok: true, used: [1, 0] });
  });

  it("lets calls in until the window's tokens reach tpm, counting tokens when settled", async () => {
    const store = new LocalLimitStore(() => 0);
    const tpm: AdmitRequest = { checks: [{ kind: "tokens", id: "t", limit: 100 }], lease: "x" };
    expect((await store.admit(tpm)).ok).toBe(true);
    await store.settle({ lease: "x", parallelIds: [], tokens: 99, tokenIds: ["t"] });
    expect((await store.admit(tpm)).ok).toBe(true);
    await store.settle({ lease: "x", parallelIds: [], tokens: 1, tokenIds: ["t"] });
    expect(await store.admit(tpm)).toMatchObject({ ok: false, used: [100] });
  });
});

/** A Redis that is gone: never available, as the Redis store reports while disconnected. */
class GoneStore implements SharedLimitStore {
  available = () => false;
  replicasSeen = () => 3;
  admit = (): Promise<AdmitResult> => Promise.reject(new Error("unreachable"));
  settle = () => Promise.resolve();
  close = () => Promise.resolve();
}

describe("FailoverLimitStore", () => {
  it("enforces limit ÷ replicas last seen while Redis is gone, logging the transition once", async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "info", destination: { write: (line: string) => void lines.push(line) } });
    const store = new FailoverLimitStore(new GoneStore(), logger);
    const results = [];
    for (let i = 0; i < 5; i++) results.push((await store.admit(rpm(9), {})).ok);
    expect(results).toEqual([true, true, true, false, false]);
    expect(store.status()).toEqual({ shared: false });
    expect(lines.filter((line) => line.includes("Redis unreachable"))).toHaveLength(1);
  });

  it("counts alone with the full limit on a replica without Redis", async () => {
    const store = new FailoverLimitStore(undefined, createLogger({ level: "silent" }));
    for (let i = 0; i < 9; i++) expect((await store.admit(rpm(9), {})).ok).toBe(true);
    expect((await store.admit(rpm(9), {})).ok).toBe(false);
    expect(store.status()).toEqual({ shared: true });
  });
});
