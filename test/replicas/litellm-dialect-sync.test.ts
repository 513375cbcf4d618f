import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import supertest from "supertest";
import { startFakeOpenAI } from "../fakes/fake-openai.js";
import type { FakeUpstream } from "../fakes/fake-upstream-common.js";
import { closeAll, startReplicas } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";
import type { TestReplica } from "../helpers/replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

// Issue #11's LiteLLM dialect written through one replica and used through the others (PostgreSQL + Redis feed):
// wildcard deployments, pattern allow-lists, LiteLLM's key bodies and answers, a key reading its own info.

let db: TestDatabase;
let upstream: FakeUpstream;
let replicas: TestReplica[];
let a: TestReplica;
let others: TestReplica[];

beforeAll(async () => {
  db = await createTestDatabase();
  upstream = await startFakeOpenAI();
  replicas = await startReplicas(3, { databaseUrl: db.url, configYaml: "model_list: []", syncIntervalMs: 60_000 });
  [a, ...others] = replicas as [TestReplica, ...TestReplica[]];
});

afterAll(async () => {
  await closeAll(replicas);
  await upstream.close();
  await db.drop();
});

const messages = [{ role: "user", content: "hi" }];

function callWith(replica: TestReplica, key: string, model: string) {
  return supertest(replica.app)
    .post("/v1/chat/completions")
    .set("Authorization", `Bearer ${key}`)
    .send({ model, messages });
}

describe("LiteLLM's dialect across replicas", () => {
  it("a wildcard deployment and a pattern key made on A route and refuse alike on B and C", async () => {
    await a
      .post("/model/new", {
        model_name: "openai/*",
        litellm_params: { model: "openai/*", api_base: `${upstream.url}/v1`, api_key: "sk-wild-0123456789", rpm: null },
        model_info: null,
      })
      .expect(200);
    const generated = await a
      .post("/key/generate", { models: ["openai/*"], metadata: null, user_id: null, max_budget: null })
      .expect(200);
    const key = generated.body.key as string;
    expect(generated.body.token_id).toBe(generated.body.token);

    for (const replica of others) {
      await eventually(async () => expect((await callWith(replica, key, "openai/gpt-4.1-mini")).status).toBe(200));
      expect(upstream.requests.at(-1)?.body.model).toBe("gpt-4.1-mini");
      const denied = await callWith(replica, key, "claude-x");
      expect([denied.status, denied.body.error.type]).toEqual([401, "key_model_access_denied"]);
      const unknown = await replica.post("/v1/chat/completions", { model: "mistral/unknown", messages });
      expect([unknown.status, unknown.body.error.message]).toEqual([
        400,
        "litellm.BadRequestError: Invalid model name passed in model=mistral/unknown. Call `/v1/models` to view available models for your key.",
      ]);
    }
  });

  it("a metadata replacement made on A is what the key reads about itself on B and C", async () => {
    const { key } = (await a.post("/key/generate", { metadata: { team: "x", old: true } }).expect(200)).body as {
      key: string;
    };
    const updated = await a.post("/key/update", { key, metadata: { team: "y" } }).expect(200);
    expect(updated.body.metadata).toEqual({ team: "y" });
    for (const replica of others) {
      await eventually(async () => {
        const own = await supertest(replica.app).get("/key/info").set("Authorization", `Bearer ${key}`).expect(200);
        expect(own.body.info.metadata).toEqual({ team: "y" });
      });
    }
  });

  it("max_parallel_requests: 0 set on A refuses the key's calls on B and C without reaching the upstream", async () => {
    const { key } = (await a.post("/key/generate", {}).expect(200)).body as { key: string };
    await a.post("/key/update", { key, max_parallel_requests: 0 }).expect(200);
    for (const replica of others) {
      await eventually(async () => expect((await callWith(replica, key, "openai/gpt-4o")).status).toBe(429));
      const before = upstream.requests.length;
      const refused = await callWith(replica, key, "openai/gpt-4o");
      expect([refused.status, refused.body.error.code]).toEqual([429, "max_parallel_requests"]);
      expect(upstream.requests.length).toBe(before);
    }
  });
});
