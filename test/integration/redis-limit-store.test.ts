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
