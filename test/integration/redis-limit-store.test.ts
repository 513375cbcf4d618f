import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { RedisLimitStore } from "../../src/redis/limit-store.js";
import { uniqueRedisPrefix } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";
import { TEST_REDIS_URL } from "../helpers/test-env.js";

// The Redis store's leases: a replica that dies holding parallel slots (it never settles nor renews) loses them
// after the lease TTL, while a live replica's renewals keep its slots however long its calls run.

const prefix = uniqueRedisPrefix();
let dead: RedisLimitStore;
let alive: RedisLimitStore;

beforeAll(async () => {
  dead = new RedisLimitStore({
    url: TEST_REDIS_URL,
    keyPrefix: prefix,
    replicaId: "dead",
    leaseTtlMs: 1500,
    renewEveryMs: 0,
  });
  alive = new RedisLimitStore({
    url: TEST_REDIS_URL,
    keyPrefix: prefix,
    replicaId: "alive",
    leaseTtlMs: 1500,
    renewEveryMs: 100,
  });
  await eventually(() => expect(dead.available() && alive.available()).toBe(true));
});

afterAll(async () => {
  await Promise.all([dead.close(), alive.close()]);
});

const slot = (id: string, lease: string) => ({ checks: [{ kind: "parallel" as const, id, limit: 1 }], lease });

describe("RedisLimitStore leases", () => {
  it("gives a dead replica's parallel slot back after the lease TTL", async () => {
    expect((await dead.admit(slot("k1", "dead:1"))).ok).toBe(true);
    expect(await alive.admit(slot("k1", "alive:1"))).toMatchObject({ ok: false, used: [1] });
    await eventually(async () => expect((await alive.admit(slot("k1", "alive:2"))).ok).toBe(true), 5_000, 50);
    // Nor is it counted among the replicas sharing Redis any more (the per-replica fallback divides by those).
    await eventually(() => expect(alive.replicasSeen()).toBe(1));
  });

  it("keeps a live replica's slot past the TTL through renewals, until it is settled", async () => {
    expect((await alive.admit(slot("k2", "alive:3"))).ok).toBe(true);
    const until = Date.now() + 2_500;
    while (Date.now() < until) {
      expect((await dead.admit(slot("k2", "dead:2"))).ok).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await alive.settle({ lease: "alive:3", parallelIds: ["k2"], tokens: 0, tokenIds: [] });
    expect((await dead.admit(slot("k2", "dead:3"))).ok).toBe(true);
  });
});

describe("RedisLimitStore batching", () => {
  it("decides admissions asked for in one turn in order, each seeing what the earlier ones took", async () => {
    const rpm = (lease: string) => ({ checks: [{ kind: "requests" as const, id: "k3:rpm", limit: 3 }], lease });
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => alive.admit(rpm(`alive:b${n}`))));
    expect(results.map((result) => result.ok)).toEqual([true, true, true, false, false]);
    expect(results.map((result) => result.used)).toEqual([[0], [1], [2], [3], [3]]);
    expect(results[3]).toMatchObject({ refused: 0 });
  });

  it("gives slots back for calls settled in one turn, and counts their tokens once each", async () => {
    const call = (lease: string) => ({
      checks: [
        { kind: "parallel" as const, id: "k4:parallel", limit: 2 },
        { kind: "tokens" as const, id: "k4:tpm", limit: 1000 },
      ],
      lease,
    });
    const taken = await Promise.all([alive.admit(call("alive:s1")), alive.admit(call("alive:s2"))]);
    expect(taken.map((result) => result.ok)).toEqual([true, true]);
    expect((await alive.admit(call("alive:s3"))).ok).toBe(false);
    await Promise.all(
      ["alive:s1", "alive:s2"].map((lease) =>
        alive.settle({ lease, parallelIds: ["k4:parallel"], tokens: 100, tokenIds: ["k4:tpm"] }),
      ),
    );
    expect(await alive.admit(call("alive:s4"))).toMatchObject({ ok: true, used: [0, 200] });
  });
});
