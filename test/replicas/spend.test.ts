import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { openDatabase, type Database } from "../../src/db/database.js";
import { createSpendStore } from "../../src/db/spend-store.js";
import { createLogger } from "../../src/logging/logger.js";
import { RedisSpendQueue } from "../../src/redis/spend-queue.js";
import type { SpendStore } from "../../src/spend/ports.js";
import { createSpendFlusher } from "../../src/spend/spend-flusher.js";
import type { SpendRecord } from "../../src/spend/spend-record.js";
import { startChildReplica } from "../helpers/child-replica.js";
import { authHeaders, closeAll, startReplicas, uniqueRedisPrefix, withRedis } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";
import { TEST_MASTER_KEY, type TestReplica } from "../helpers/replica.js";
import { PrivateRedis } from "../helpers/redis-server.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";
import { TEST_REDIS_URL } from "../helpers/test-env.js";

const CONFIG = `
model_list:
  - model_name: mocked
    litellm_params: { model: openai/gpt-4o-mini }
    model_info: { id: mocked-1 }
general_settings:
  proxy_batch_write_at: 0.1
  spend_claim_idle_seconds: 1
`;

let db: TestDatabase;
let database: Database;
let replicas: TestReplica[];
let configDir: string;
const prefix = uniqueRedisPrefix();
const logLines: string[] = [];
const logger = createLogger({ level: "debug", destination: { write: (line: string) => void logLines.push(line) } });

beforeAll(async () => {
  db = await createTestDatabase();
  database = await openDatabase({ databaseUrl: db.url, dataDir: "" });
  replicas = await startReplicas(2, { databaseUrl: db.url, redisKeyPrefix: prefix, configYaml: CONFIG });
  configDir = await mkdtemp(join(tmpdir(), "spend-"));
});

afterAll(async () => {
  await closeAll(replicas);
  await database.close();
  await rm(configDir, { recursive: true, force: true });
  await db.drop();
});

function record(apiKey: string, spend: number): SpendRecord {
  const now = Date.now();
  return {
    requestId: randomUUID(),
    callType: "acompletion",
    apiKey,
    spend,
    promptTokens: 3,
    completionTokens: 2,
    startTime: now - 5,
    endTime: now,
    model: "gpt-4o-mini",
    modelGroup: "group-x",
    modelId: "deployment-x",
    apiBase: "",
    user: "",
    metadata: {},
    requestTags: [],
    status: "success",
  };
}

async function newKey(replica: TestReplica, alias: string): Promise<{ key: string; token: string }> {
  const res = await replica.post("/key/generate", { key_alias: alias }).expect(200);
  return { key: res.body.key as string, token: res.body.token as string };
}

async function spendOnKeyInfo(replica: TestReplica, token: string): Promise<number> {
  return (await replica.get(`/key/info?key=${token}`).expect(200)).body.info.spend as number;
}

describe("spend across replicas", () => {
  it("shows a call answered on one replica in /key/info of the other", async () => {
    const [a, b] = replicas as [TestReplica, TestReplica];
    const { key, token } = await newKey(a, "cross");
    const res = await a
      .withKey(key)
      .post("/v1/chat/completions", {
        model: "mocked",
        mock_response: "hi",
        messages: [{ role: "user", content: "x" }],
      })
      .expect(200);
    const cost = Number(res.headers["x-litellm-response-cost"]);
    expect(cost).toBeGreaterThan(0);
    await eventually(async () => expect(await spendOnKeyInfo(b, token)).toBeCloseTo(cost, 12), 5000);
  });

  it("keeps the spend of a call whose replica was kill -9ed right after replying", async () => {
    const [a, b] = replicas as [TestReplica, TestReplica];
    const { key, token } = await newKey(a, "victim");
    const configPath = join(configDir, "config.yaml");
    await writeFile(configPath, CONFIG);
    const victim = await startChildReplica(["--port", "0"], {
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      MASTER_KEY: TEST_MASTER_KEY,
      SALT_KEY: "test-salt-key-for-encryption-at-rest",
      CONFIG_FILE_PATH: configPath,
    });
    const calls: Array<{ id: string; cost: number }> = [];
    try {
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`http://127.0.0.1:${victim.port}/v1/chat/completions`, {
          method: "POST",
          headers: { ...authHeaders, Authorization: `Bearer ${key}` },
          body: JSON.stringify({ model: "mocked", mock_response: "hi", messages: [{ role: "user", content: "x" }] }),
        });
        expect(res.status).toBe(200);
        await res.text();
        calls.push({
          id: res.headers.get("x-litellm-call-id")!,
          cost: Number(res.headers.get("x-litellm-response-cost")),
        });
      }
    } finally {
      victim.child.kill("SIGKILL");
    }
    expect(await victim.exited).toBeNull();
    const total = calls.reduce((sum, call) => sum + call.cost, 0);
    for (const replica of [a, b]) {
      await eventually(async () => expect(await spendOnKeyInfo(replica, token)).toBeCloseTo(total, 12), 8000);
    }
    const logs = (await a.get(`/spend/logs?api_key=${token}`).expect(200)).body as Array<{ request_id: string }>;
    expect(logs.map((row) => row.request_id).sort()).toEqual(calls.map((call) => call.id).sort());
  });
});

describe("the Redis spend queue", () => {
  it("lets another replica claim what a dead one took but never acked", async () => {
    const queuePrefix = uniqueRedisPrefix();
    const options = { url: TEST_REDIS_URL, keyPrefix: queuePrefix, logger, bufferLimit: 100, claimIdleMs: 200 };
    const dying = new RedisSpendQueue(options);
    const survivor = new RedisSpendQueue(options);
    try {
      await eventually(() => expect(dying.status().redis).toBe("ok"));
      await dying.take(10); // creates the group
      const lost = record("tok-claim", 1);
      dying.push(lost);
      await eventually(async () =>
        expect((await dying.take(10)).map((e) => e.record?.requestId)).toEqual([lost.requestId]),
      );
      await dying.close(); // gone without acking
      const claimed = await eventually(async () => {
        const entries = await survivor.take(10);
        expect(entries.map((e) => e.record?.requestId)).toEqual([lost.requestId]);
        return entries;
      }, 5000);
      await survivor.ack(claimed.map((entry) => entry.id));
      expect(await survivor.take(10)).toEqual([]);
    } finally {
      await dying.close();
      await survivor.close();
    }
  });

  it("forgets the consumers of replicas long gone that left nothing pending", async () => {
    const queuePrefix = uniqueRedisPrefix();
    const options = { url: TEST_REDIS_URL, keyPrefix: queuePrefix, logger, bufferLimit: 100, claimIdleMs: 60_000 };
    const gone = new RedisSpendQueue({ ...options, replicaId: "gone-replica" });
    const alive = new RedisSpendQueue({ ...options, replicaId: "alive-replica", forgetConsumerAfterMs: 300 });
    const consumers = () =>
      withRedis(TEST_REDIS_URL, async (redis) => {
        const list = (await redis.xinfo("CONSUMERS", `${queuePrefix}:spend`, "spend-flushers")) as unknown[][];
        return list.map((flat) => String(flat[flat.indexOf("name") + 1])).sort();
      });
    try {
      await eventually(() => expect(gone.status().redis).toBe("ok"));
      await gone.take(10);
      await gone.close();
      await alive.take(10);
      expect(await consumers()).toEqual(["alive-replica", "gone-replica"]);
      await new Promise((resolve) => setTimeout(resolve, 400));
      await alive.take(10);
      expect(await consumers()).toEqual(["alive-replica"]);
    } finally {
      await alive.close();
    }
  });

  it("buffers records while Redis is down, says so, drops the oldest when full, and hands the rest over after", async () => {
    const redis = await PrivateRedis.start();
    const queue = new RedisSpendQueue({
      url: redis.url,
      keyPrefix: "spend-outage",
      logger,
      bufferLimit: 2,
      claimIdleMs: 60_000,
    });
    try {
      await eventually(() => expect(queue.status()).toEqual({ buffered: 0, dropped: 0, redis: "ok" }));
      await redis.kill();
      await eventually(() => expect(queue.status().redis).toBe("down"));
      const records = [record("tok-outage", 1), record("tok-outage", 2), record("tok-outage", 3)];
      for (const r of records) queue.push(r);
      expect(queue.status()).toEqual({ buffered: 2, dropped: 1, redis: "down" });
      await redis.start();
      await eventually(() => expect(queue.status()).toEqual({ buffered: 0, dropped: 1, redis: "ok" }), 10_000);
      const taken = await queue.take(10);
      expect(taken.map((entry) => entry.record?.spend)).toEqual([2, 3]);
    } finally {
      await queue.close();
      await redis.kill();
    }
  });
});

describe("spend while Redis is down", () => {
  it("is written to PostgreSQL from the memory buffer, so key spend (and budgets) keep advancing; counted once", async () => {
    const redis = await PrivateRedis.start();
    const store = createSpendStore(database.prisma);
    const { token } = await newKey(replicas[0]!, "redis-down-spend");
    const queue = new RedisSpendQueue({
      url: redis.url,
      keyPrefix: "spend-down",
      logger,
      bufferLimit: 100,
      claimIdleMs: 60_000,
    });
    const flusher = createSpendFlusher({ queue, store, logger, intervalMs: 60_000, batchSize: 100 });
    try {
      await eventually(() => expect(queue.status().redis).toBe("ok"));
      await redis.kill();
      await eventually(() => expect(queue.status().redis).toBe("down"));
      // Another deployment than the other tests' records: this test's totals stay its own.
      const elsewhere = (spend: number) => ({ ...record(token, spend), modelId: "deployment-redis-down" });
      queue.push(elsewhere(0.25));
      await flusher.flushNow();
      expect((await store.keySpends()).spends.get(token)).toBeCloseTo(0.25, 12);
      expect(queue.status().buffered).toBe(0);
      // Taken from memory but not yet acked when Redis returns: handed over too, and written once all the same.
      const second = elsewhere(0.5);
      queue.push(second);
      const taken = await queue.take(10);
      expect(taken.map((entry) => entry.record?.requestId)).toEqual([second.requestId]);
      await store.write(taken.map((entry) => entry.record!));
      await redis.start();
      await eventually(() => expect(queue.status()).toMatchObject({ buffered: 0, redis: "ok" }), 10_000);
      await queue.ack(taken.map((entry) => entry.id));
      await flusher.flushNow();
      expect((await store.keySpends()).spends.get(token)).toBeCloseTo(0.75, 12);
      expect(await queue.take(10)).toEqual([]);
    } finally {
      await flusher.stop();
      await queue.close();
      await redis.kill();
    }
  });
});

describe("flushing to PostgreSQL", () => {
  it("counts a batch once when its flush is retried after the database failed, before or after committing", async () => {
    const store = createSpendStore(database.prisma);
    const { token } = await newKey(replicas[0]!, "flush-retry");
    let mode: "down" | "lose-ack" | "ok" = "down";
    let attempts = 0;
    // The real store behind a switch: "down" fails before writing (the database is unreachable); "lose-ack"
    // commits and then fails, as a replica that dies between COMMIT and XACK would.
    const flaky: Pick<SpendStore, "write"> = {
      async write(records) {
        attempts += 1;
        if (mode === "down") throw new Error("connect ECONNREFUSED");
        const written = await store.write(records);
        if (mode === "lose-ack") {
          mode = "ok";
          throw new Error("connection lost after commit");
        }
        return written;
      },
    };
    const queue = new RedisSpendQueue({
      url: TEST_REDIS_URL,
      keyPrefix: uniqueRedisPrefix(),
      logger,
      bufferLimit: 100,
      claimIdleMs: 60_000,
    });
    const flusher = createSpendFlusher({ queue, store: flaky, logger, intervalMs: 60_000, batchSize: 100 });
    try {
      await eventually(() => expect(queue.status().redis).toBe("ok"));
      const batch = [record(token, 0.25), record(token, 0.5)];
      for (const r of batch) queue.push(r);
      await flusher.flushNow(); // database down: nothing written, entries stay pending
      expect(attempts).toBe(1);
      expect((await store.keySpends()).spends.get(token)).toBe(0);
      mode = "lose-ack";
      await flusher.flushNow(); // committed, then failed before the ack
      await flusher.flushNow(); // the same entries again: inserted nothing, added nothing
      expect(attempts).toBe(3);
      expect((await store.keySpends()).spends.get(token)).toBeCloseTo(0.75, 12);
      const rows = await db.query<{ n: string }>(`SELECT count(*) AS n FROM "LiteLLM_SpendLogs" WHERE api_key = $1`, [
        token,
      ]);
      expect(Number(rows[0]!.n)).toBe(2);
      const totals = await db.query<{ requests: string; spend: number }>(
        `SELECT requests, spend FROM switchboard_spend_totals WHERE kind = 'deployment' AND name = 'deployment-x'`,
      );
      expect(totals).toEqual([{ requests: "2", spend: 0.75 }]);
      expect(await queue.take(10)).toEqual([]);
      expect(await store.write(batch)).toBe(0);
    } finally {
      await flusher.stop();
      await queue.close();
    }
  });
});
