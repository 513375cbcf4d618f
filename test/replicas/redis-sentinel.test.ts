import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { closeAll, expectRedisShared, servedModelIds, startReplicas } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";
import { freePort, PrivateSentinels, SENTINEL_SERVICE } from "../helpers/redis-server.js";
import type { TestReplica } from "../helpers/replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

// Issue #15, "Redis that fails over": three replicas reach Redis through Sentinel (LiteLLM's variable names); the
// master is killed with -9 while models are being written, Sentinel promotes the replica, and every replica finds
// the new master, subscribes again and converges on every write that was answered 200.

let db: TestDatabase;
let redis: PrivateSentinels;
let replicas: TestReplica[];

function sentinelEnv(nodes: string): Record<string, string> {
  // REDIS_URL would win over the sentinels (LiteLLM's order); the cluster helper sets it by default.
  return { REDIS_URL: "", REDIS_SENTINEL_NODES: nodes, REDIS_SENTINEL_SERVICE_NAME: SENTINEL_SERVICE };
}

beforeAll(async () => {
  db = await createTestDatabase();
  redis = await PrivateSentinels.start();
  // A backstop check far beyond the test: convergence has to come through the change feed and its catch-ups.
  replicas = await startReplicas(3, { databaseUrl: db.url, syncIntervalMs: 60_000, env: sentinelEnv(redis.nodesJson) });
}, 60_000);

afterAll(async () => {
  await closeAll(replicas ?? []);
  await redis?.stop();
  await db?.drop();
});

async function databaseIds(): Promise<string[]> {
  const rows = await db.query<{ model_id: string }>(`SELECT model_id FROM "LiteLLM_ProxyModelTable"`);
  return rows.map((row) => row.model_id).sort();
}

function subscriptions(replica: TestReplica): number {
  return replica.logLines.filter((line) => line.includes('"msg":"subscribed to the change feed"')).length;
}

interface WriteOutcome {
  id: string;
  status: number;
  body: { error?: { type?: unknown; message?: unknown } };
}

/** Writes one model after another, round-robin over the replicas, until stopped. */
function keepWriting(stop: () => boolean): Promise<WriteOutcome[]> {
  return (async () => {
    const outcomes: WriteOutcome[] = [];
    for (let i = 0; !stop() || i < 5; i++) {
      const id = `failover-${String(i).padStart(4, "0")}`;
      const res = await replicas[i % replicas.length]!.post("/model/new", {
        model_name: `failover-group-${i % 3}`,
        litellm_params: { model: "openai/gpt-4o" },
        model_info: { id },
      });
      outcomes.push({ id, status: res.status, body: res.body as WriteOutcome["body"] });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return outcomes;
  })();
}

describe("Redis behind Sentinel", () => {
  it("survives kill -9 of the master during writes: feed resubscribes, no answered write is lost", async () => {
    await eventually(() => replicas.forEach((r) => expect(r.replica.bus.status().connected).toBe(true)));
    const oldMaster = await redis.masterPort();
    expect(oldMaster).toBe(redis.master.port);
    const subscribedBefore = replicas.map(subscriptions);

    let stopped = false;
    const writes = keepWriting(() => stopped);
    await eventually(async () => expect((await databaseIds()).length).toBeGreaterThanOrEqual(5));
    await redis.master.kill();
    await eventually(async () => expect(await redis.masterPort()).toBe(redis.replica.port), 20_000, 100);
    // Every replica found the promoted master and subscribed to the change feed again there.
    await eventually(
      () =>
        replicas.forEach((r, i) => {
          expect(r.replica.bus.status().connected).toBe(true);
          expect(subscriptions(r)).toBeGreaterThan(subscribedBefore[i]!);
        }),
      20_000,
      50,
    );
    const countAfterFailover = (await databaseIds()).length;
    await eventually(async () => expect((await databaseIds()).length).toBeGreaterThan(countAfterFailover + 5));
    stopped = true;
    const outcomes = await writes;

    // Redis is the doorbell, PostgreSQL the truth: a write fails only cleanly, and is then not there at all.
    const answered = outcomes.filter((o) => o.status === 200).map((o) => o.id);
    for (const failed of outcomes.filter((o) => o.status !== 200)) {
      expect(failed.status).toBe(503);
      expect(typeof failed.body.error?.message).toBe("string");
    }
    const expected = await databaseIds();
    expect(expected).toEqual(answered.sort());

    const target = Math.max(...replicas.map((r) => r.replica.sync.status().appliedRevision));
    for (const replica of replicas) {
      // Through the feed on the new master (the backstop check is a minute away), before any HTTP read catches up.
      await eventually(() => expect(replica.replica.sync.status().appliedRevision).toBe(target), 10_000);
      expect(await servedModelIds(replica)).toEqual(expected);
    }
    // Every Redis user (spend stream, key limits, router state) moved to the new master too.
    for (const replica of replicas) {
      await expectRedisShared(replica, 15_000);
      expect((await replica.anonymous().get("/health/readiness")).body.change_feed).toMatchObject({ kind: "redis" });
    }
  }, 60_000);

  it("starts and serves when no sentinel answers, and reports the feed degraded", async () => {
    const nowhere = JSON.stringify([["127.0.0.1", await freePort()]]);
    const [late] = await startReplicas(1, { databaseUrl: db.url, syncIntervalMs: 300, env: sentinelEnv(nowhere) });
    try {
      const ready = await late!.anonymous().get("/health/readiness").expect(200);
      expect(ready.body.change_feed.state).toBe("degraded");
      expect(await servedModelIds(late!)).toEqual(await databaseIds());
    } finally {
      await late!.close();
    }
  });
});
