import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import supertest from "supertest";
import { FAKE_OPENAI_USAGE, startFakeOpenAI } from "../fakes/fake-openai.js";
import type { FakeUpstream } from "../fakes/fake-upstream-common.js";
import { closeAll, startReplicas } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";
import type { TestReplica } from "../helpers/replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

// Issue #14: a key's limits hold for the cluster (three replicas sharing one Redis), not per replica.

let db: TestDatabase;
let upstream: FakeUpstream;
let replicas: TestReplica[];

const messages = [{ role: "user", content: "hi" }];

beforeAll(async () => {
  db = await createTestDatabase();
  upstream = await startFakeOpenAI();
  const deployment = (name: string, model: string) =>
    `  - model_name: ${name}\n    litellm_params:\n      model: openai/${model}\n      api_base: ${upstream.url}/v1\n      api_key: sk-fake-upstream-0123\n`;
  const configYaml = `model_list:\n${deployment("gpt-4o", "gpt-4o")}${deployment("slow", "slow-model")}${deployment("other", "other-model")}`;
  replicas = await startReplicas(3, { databaseUrl: db.url, configYaml, syncIntervalMs: 60_000 });
});

afterAll(async () => {
  await closeAll(replicas);
  await upstream.close();
  await db.drop();
});

/** A key made on the first replica and known to every replica. */
async function keyWith(settings: Record<string, unknown>): Promise<string> {
  const { key } = (await replicas[0]!.post("/key/generate", settings).expect(200)).body as { key: string };
  for (const replica of replicas) {
    await eventually(async () => {
      await supertest(replica.app).get("/key/info").set("Authorization", `Bearer ${key}`).expect(200);
    });
  }
  return key;
}

function call(replica: TestReplica, key: string, model = "gpt-4o") {
  return supertest(replica.app)
    .post("/v1/chat/completions")
    .set("Authorization", `Bearer ${key}`)
    .send({ model, messages });
}

describe("key limits across three replicas", () => {
  it("rpm_limit: 60 accepts 57 to 63 of 200 calls spread round-robin six at a time", async () => {
    const key = await keyWith({ rpm_limit: 60 });
    const statuses: number[] = [];
    for (let start = 0; start < 200; start += 6) {
      const batch = Array.from({ length: Math.min(6, 200 - start) }, (_, i) =>
        call(replicas[(start + i) % 3]!, key).then((res) => res.status),
      );
      statuses.push(...(await Promise.all(batch)));
    }
    const accepted = statuses.filter((status) => status === 200).length;
    expect(accepted).toBeGreaterThanOrEqual(57);
    expect(accepted).toBeLessThanOrEqual(63);
    expect(statuses.filter((status) => status !== 200).every((status) => status === 429)).toBe(true);
  });

  it("answers over rpm_limit with LiteLLM's 429, retry-after and x-ratelimit headers", async () => {
    const key = await keyWith({ rpm_limit: 2, tpm_limit: 1000 });
    const first = await call(replicas[0]!, key).expect(200);
    expect(first.headers).toMatchObject({
      "x-ratelimit-limit-requests": "2",
      "x-ratelimit-remaining-requests": "1",
      "x-ratelimit-limit-tokens": "1000",
      "x-ratelimit-remaining-tokens": "1000",
    });
    const second = await call(replicas[1]!, key).expect(200);
    expect(second.headers["x-ratelimit-remaining-requests"]).toBe("0");
    const refused = await call(replicas[2]!, key).expect(429);
    expect(refused.body.error).toMatchObject({ type: "rate_limit_error", code: "rpm_limit" });
    expect(refused.body.error.message).toContain("Max parallel request limit reached");
    expect(Number(refused.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers["retry-after"])).toBeLessThanOrEqual(60);
    expect(refused.headers["x-ratelimit-remaining-requests"]).toBe("0");
  });

  it("a key without limits gets no x-ratelimit headers", async () => {
    const key = await keyWith({});
    const res = await call(replicas[0]!, key).expect(200);
    expect(res.headers["x-ratelimit-limit-requests"]).toBeUndefined();
    expect(res.headers["retry-after"]).toBeUndefined();
  });

  it("max_parallel_requests: 2 lets at most two calls in flight across the cluster, and frees slots when they end", async () => {
    const key = await keyWith({ max_parallel_requests: 2 });
    upstream.script("slow-model", { kind: "slow", delayMs: 1500 }, 2);
    const statuses = await Promise.all(
      Array.from({ length: 9 }, (_, i) => call(replicas[i % 3]!, key, "slow").then((res) => res.status)),
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(2);
    expect(statuses.filter((status) => status === 429)).toHaveLength(7);
    // Slots are given back on response close (released asynchronously, hence the polling).
    await eventually(async () => {
      for (const replica of replicas) await call(replica, key, "slow").expect(200);
    });
  });

  it("tpm_limit refuses once the minute's reported tokens reach it, on every replica", async () => {
    const key = await keyWith({ tpm_limit: FAKE_OPENAI_USAGE.total_tokens * 2 });
    await call(replicas[0]!, key).expect(200);
    await call(replicas[1]!, key).expect(200);
    await eventually(async () => {
      const refused = await call(replicas[2]!, key).expect(429);
      expect(refused.body.error.code).toBe("tpm_limit");
    });
    const again = await call(replicas[0]!, key).expect(429);
    expect(again.headers["x-ratelimit-remaining-tokens"]).toBe("0");
  });

  it("model_rpm_limit limits the named model across replicas and leaves the key's other models alone", async () => {
    const key = await keyWith({ model_rpm_limit: { "gpt-4o": 3 } });
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await call(replicas[i % 3]!, key)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
    const refused = await call(replicas[0]!, key).expect(429);
    expect(refused.body.error).toMatchObject({ type: "rate_limit_error", code: "model_rpm_limit" });
    expect(refused.body.error.message).toContain("gpt-4o");
    expect(refused.headers["x-ratelimit-limit-requests"]).toBe("3");
    for (const replica of replicas) await call(replica, key, "other").expect(200);
  });

  it("a limit changed on one replica holds on the others", async () => {
    const key = await keyWith({ rpm_limit: 100 });
    await replicas[0]!.post("/key/update", { key, rpm_limit: 1 }).expect(200);
    await eventually(async () => {
      const res = await call(replicas[2]!, key);
      expect(res.headers["x-ratelimit-limit-requests"]).toBe("1");
    });
    await call(replicas[1]!, key).expect(429);
  });
});

describe("streamed tokens with spend logs off", () => {
  let quiet: TestReplica[];

  beforeAll(async () => {
    const configYaml =
      `general_settings:\n  disable_spend_logs: true\nmodel_list:\n  - model_name: gpt-4o\n    litellm_params:\n` +
      `      model: openai/gpt-4o\n      api_base: ${upstream.url}/v1\n      api_key: sk-fake-upstream-0123\n`;
    quiet = await startReplicas(1, { databaseUrl: db.url, configYaml, syncIntervalMs: 60_000 });
  });

  afterAll(() => closeAll(quiet));

  it("count toward tpm_limit (the usage chunk is asked for and not shown to a client that did not ask)", async () => {
    const replica = quiet[0]!;
    const { key } = (await replica.post("/key/generate", { tpm_limit: FAKE_OPENAI_USAGE.total_tokens * 2 }).expect(200))
      .body as { key: string };
    const stream = () =>
      supertest(replica.app)
        .post("/v1/chat/completions")
        .set("Authorization", `Bearer ${key}`)
        .send({ model: "gpt-4o", messages, stream: true });
    for (let i = 0; i < 2; i++) {
      const res = await stream().expect(200);
      expect(res.text).toContain("data: [DONE]");
      expect(res.text).not.toContain("prompt_tokens");
    }
    const refused = await stream().expect(429);
    expect(refused.body.error.code).toBe("tpm_limit");
  });
});
