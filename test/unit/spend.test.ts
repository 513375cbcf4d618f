import { describe, expect, it } from "@jest/globals";
import { createLogger } from "../../src/logging/logger.js";
import { callerMetadata, callerTags, callerUser, loggableApiBase } from "../../src/spend/caller-fields.js";
import { MemorySpendQueue } from "../../src/spend/memory-queue.js";
import type { SpendStore } from "../../src/spend/ports.js";
import { createSpendFlusher } from "../../src/spend/spend-flusher.js";
import { parseSpendRecord, type SpendRecord } from "../../src/spend/spend-record.js";
import { spendSettings } from "../../src/spend/spend-settings.js";

function record(requestId: string, spend = 1): SpendRecord {
  return {
    requestId,
    callType: "acompletion",
    apiKey: "tok",
    spend,
    promptTokens: 1,
    completionTokens: 1,
    startTime: 0,
    endTime: 1,
    model: "m",
    modelGroup: "g",
    modelId: "d",
    apiBase: "",
    user: "",
    metadata: {},
    requestTags: [],
    status: "success",
  };
}

/** A store keeping rows by request id, as the real one does: writing a row twice adds nothing. */
class IdempotentStore implements Pick<SpendStore, "write"> {
  readonly rows = new Map<string, SpendRecord>();
  failing = false;
  write(records: readonly SpendRecord[]): Promise<number> {
    if (this.failing) return Promise.reject(new Error("database unreachable"));
    let added = 0;
    for (const r of records) if (!this.rows.has(r.requestId) && this.rows.set(r.requestId, r)) added += 1;
    return Promise.resolve(added);
  }
}

describe("what a caller's request puts in its spend log row", () => {
  it("keeps api_base's scheme, host and path; drops credentials, query and fragment", () => {
    expect(loggableApiBase("https://user:pass@example.com:8443/v1?api-key=sk-secret#x")).toBe(
      "https://example.com:8443/v1",
    );
    expect(loggableApiBase("not a url")).toBe("");
    expect(loggableApiBase(undefined)).toBe("");
  });

  it("keeps scalar metadata, leaves out secret-like names, nested objects and prototype keys, and bounds the size", () => {
    const metadata = JSON.parse(
      '{"team":"blue","n":3,"api_key":"sk-x","Authorization":"Bearer y","nested":{"a":1},"__proto__":{"polluted":true},"tags":["a",1]}',
    ) as unknown;
    const kept = callerMetadata(metadata);
    expect(kept).toEqual({ team: "blue", n: 3, tags: ["a"] });
    expect(Object.getPrototypeOf(kept)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const huge = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`field${i}`, "x".repeat(300)]));
    expect(callerMetadata(huge)).toEqual({ truncated: true });
    expect(callerMetadata("text")).toEqual({});
  });

  it("takes tags from the body or metadata and a bounded user", () => {
    expect(callerTags({ tags: ["a", 2, "b"] })).toEqual(["a", "b"]);
    expect(callerTags({ metadata: { tags: ["m"] } })).toEqual(["m"]);
    expect(callerUser({ user: "u".repeat(1000) })).toHaveLength(256);
    expect(callerUser({ user: 5 })).toBe("");
  });

  it("reads back only well-formed records from a queue", () => {
    expect(parseSpendRecord(JSON.stringify(record("r1")))).toEqual(record("r1"));
    expect(parseSpendRecord("{")).toBeUndefined();
    expect(parseSpendRecord(JSON.stringify({ ...record("r2"), spend: -1 }))).toBeUndefined();
  });
});

describe("the in-memory spend queue and the flusher", () => {
  const logger = createLogger({ level: "silent" });

  it("keeps records queued while the database is down and writes each once when it is back", async () => {
    const queue = new MemorySpendQueue(10);
    const store = new IdempotentStore();
    const flusher = createSpendFlusher({ queue, store, logger, intervalMs: 60_000, batchSize: 2 });
    for (const id of ["a", "b", "c"]) queue.push(record(id));
    store.failing = true;
    await flusher.flushNow();
    expect(queue.status()).toEqual({ buffered: 3, dropped: 0, redis: "unused" });
    store.failing = false;
    await flusher.flushNow();
    expect([...store.rows.keys()]).toEqual(["a", "b", "c"]);
    expect(queue.status().buffered).toBe(0);
    await flusher.stop();
  });

  it("drops the oldest records when full and counts them", () => {
    const queue = new MemorySpendQueue(2);
    for (const id of ["a", "b", "c"]) queue.push(record(id));
    expect(queue.status()).toEqual({ buffered: 2, dropped: 1, redis: "unused" });
  });

  it("takes its settings from general_settings with production defaults", () => {
    expect(spendSettings({})).toMatchObject({ enabled: true, flushIntervalMs: 1000, claimIdleMs: 5000 });
    expect(spendSettings({ disable_spend_logs: true, proxy_batch_write_at: 10 })).toMatchObject({
      enabled: false,
      flushIntervalMs: 10_000,
    });
  });
});
