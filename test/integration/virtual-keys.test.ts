import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startFakeOpenAI } from "../fakes/fake-openai.js";
import type { FakeUpstream } from "../fakes/fake-upstream-common.js";
import { eventually } from "../helpers/eventually.js";
import { capturedBodies, type TestReplica } from "../helpers/replica.js";
import { type ProxyFixture, startProxyFixture } from "../helpers/proxy-fixture.js";
import { type TestDatabase } from "../helpers/test-database.js";

let fixture: ProxyFixture;
let db: TestDatabase;
let upstream: FakeUpstream;
let proxy: TestReplica;
const rawKeys: string[] = [];

beforeAll(async () => {
  const configYaml = (url: string) => {
    const base = `api_base: "${url}/v1", api_key: sk-upstream`;
    return `
model_list:
  - model_name: gpt-a
    litellm_params: { model: openai/gpt-a, ${base} }
    model_info: { id: a-1, access_groups: [beta] }
  - model_name: gpt-b
    litellm_params: { model: openai/gpt-b, ${base} }
    model_info: { id: b-1 }
  - model_name: gpt-c
    litellm_params: { model: openai/gpt-c, ${base} }
    model_info: { id: c-1 }
`;
  };
  fixture = await startProxyFixture({ fake: startFakeOpenAI, configYaml });
  ({ db, upstream, proxy } = fixture);
});

afterAll(() => fixture.close());

async function generate(body: Record<string, unknown> = {}) {
  const res = await proxy.post("/key/generate", body).expect(200);
  rawKeys.push(res.body.key);
  return res.body as { key: string; token: string; models: string[]; expires: string | null; key_name: string };
}

/** Requests made with a virtual key. */
const as = (key: string) => proxy.withKey(key);

const chat = (model: string) => ({ model, messages: [{ role: "user", content: "hi" }] });

describe("POST /key/generate", () => {
  it("returns the raw key once, and stores only its hash", async () => {
    const created = await generate({ models: ["gpt-b"], key_alias: "team-b", metadata: { team: "b" } });
    expect(created.key).toMatch(/^sk-[\w-]{30,}$/);
    expect(created).toMatchObject({
      models: ["gpt-b"],
      key_alias: "team-b",
      key_name: `sk-...${created.key.slice(-4)}`,
      expires: null,
    });
    expect(created.token).toMatch(/^[0-9a-f]{64}$/);
    const rows = await db.query(`SELECT * FROM "LiteLLM_VerificationToken"`);
    expect(JSON.stringify(rows)).not.toContain(created.key);
  });

  it("answers 400 for a bad duration, naming it", async () => {
    const res = await proxy.post("/key/generate", { duration: "soon" }).expect(400);
    expect(res.body.error.param).toBe("duration");
    const huge = await proxy.post("/key/generate", { duration: "999999999d" }).expect(400);
    expect(huge.body.error.param).toBe("duration");
  });
});

describe("a key limited to some models", () => {
  let key: string;
  beforeAll(async () => {
    key = (await generate({ models: ["gpt-b"] })).key;
  });

  it("lists only those models on every listing endpoint", async () => {
    const caller = as(key);
    expect((await caller.get("/v1/models").expect(200)).body.data.map((m: { id: string }) => m.id)).toEqual(["gpt-b"]);
    expect(
      (await caller.get("/model/info").expect(200)).body.data.map((m: { model_name: string }) => m.model_name),
    ).toEqual(["gpt-b"]);
    expect((await caller.get("/v2/model/info").expect(200)).body.total_count).toBe(1);
    expect(
      (await caller.get("/model_group/info").expect(200)).body.data.map((g: { model_group: string }) => g.model_group),
    ).toEqual(["gpt-b"]);
    await caller.get("/v1/models/gpt-a").expect(404);
    await caller.get("/model/info?litellm_model_id=a-1").expect(404);
  });

  it("calls its models and gets LiteLLM's 401 key_model_access_denied for other models, existing or not", async () => {
    const caller = as(key);
    await caller.post("/v1/chat/completions", chat("gpt-b")).expect(200);
    const hidden = await caller.post("/v1/chat/completions", chat("gpt-a")).expect(401);
    const missing = await caller.post("/v1/chat/completions", chat("gpt-zzz")).expect(401);
    expect(hidden.body.error).toEqual({
      message: "key not allowed to access model. This key can only access models=['gpt-b']. Tried to access gpt-a",
      type: "key_model_access_denied",
      param: "model",
      code: "401",
    });
    expect(hidden.body.error).toEqual({
      ...missing.body.error,
      message: missing.body.error.message.replace("gpt-zzz", "gpt-a"),
    });
    await caller.post("/v1/embeddings", { model: "gpt-c", input: "x" }).expect(401);
  });

  it("is refused on management endpoints with 403", async () => {
    const caller = as(key);
    for (const [method, path] of [
      ["post", "/model/new"],
      ["post", "/model/update"],
      ["post", "/model/delete"],
      ["get", "/model/history"],
      ["post", "/key/generate"],
      ["get", "/key/list"],
      ["post", "/key/update"],
      ["post", "/key/delete"],
    ] as const) {
      const res = await (method === "get" ? caller.get(path) : caller.post(path, {})).expect(403);
      expect(res.body.error).toMatchObject({ type: "permission_error", code: "forbidden" });
    }
  });

  it("follows an update of its models at once", async () => {
    const { token } = (await proxy.get(`/key/info?key=${key}`).expect(200)).body.info;
    await proxy.post("/key/update", { key: token, models: ["gpt-c"] }).expect(200);
    expect((await as(key).get("/v1/models").expect(200)).body.data.map((m: { id: string }) => m.id)).toEqual(["gpt-c"]);
  });
});

describe("access groups and wildcards", () => {
  it("reaches models through model_info.access_groups", async () => {
    const { key } = await generate({ models: ["beta"] });
    expect((await as(key).get("/v1/models").expect(200)).body.data.map((m: { id: string }) => m.id)).toEqual(["gpt-a"]);
    await as(key).post("/v1/chat/completions", chat("gpt-a")).expect(200);
  });

  it("reaches everything with all-proxy-models or an empty list", async () => {
    for (const models of [["all-proxy-models"], []]) {
      const { key } = await generate({ models });
      expect((await as(key).get("/v1/models").expect(200)).body.data).toHaveLength(3);
    }
  });
});

describe("refusals", () => {
  it("401 for an unknown key", async () => {
    const res = await as("sk-not-a-real-key").get("/v1/models").expect(401);
    expect(res.body.error.message).toBe("Invalid API key");
  });

  it("401 once a key has expired", async () => {
    const { key } = await generate({ duration: "1s" });
    await as(key).get("/v1/models").expect(200);
    await eventually(
      async () => {
        const res = await as(key).get("/v1/models");
        expect(res.status).toBe(401);
        expect(res.body.error.message).toBe("API key expired");
      },
      5000,
      100,
    );
  });

  it("401 after the key is deleted; deleting unknown keys is 404", async () => {
    const { key, token } = await generate();
    await as(key).get("/v1/models").expect(200);
    expect((await proxy.post("/key/delete", { keys: [key] }).expect(200)).body).toEqual({ deleted_keys: [token] });
    await as(key).get("/v1/models").expect(401);
    await proxy.post("/key/delete", { keys: [key] }).expect(404);
  });

  it("429 beyond max_parallel_requests", async () => {
    const { key } = await generate({ max_parallel_requests: 1 });
    upstream.script("gpt-b", { kind: "stream-slow", chunkDelayMs: 100, chunks: 5 }, 1);
    const first = as(key).post("/v1/chat/completions", { ...chat("gpt-b"), stream: true });
    const firstDone = first.then((res) => res.status);
    await eventually(() =>
      expect(upstream.requests.some((r) => r.body?.model === "gpt-b" && r.body?.stream)).toBe(true),
    );
    const second = await as(key).post("/v1/chat/completions", chat("gpt-b")).expect(429);
    expect(second.body.error.code).toBe("max_parallel_requests");
    expect(await firstDone).toBe(200);
    await as(key).post("/v1/chat/completions", chat("gpt-b")).expect(200);
  });
});

describe("key listing and info", () => {
  it("pages keys and never shows a raw key", async () => {
    const res = await proxy.get("/key/list?page=1&size=2").expect(200);
    expect(res.body.keys).toHaveLength(2);
    expect(res.body.total_count).toBeGreaterThanOrEqual(5);
    expect(res.body.total_pages).toBe(Math.ceil(res.body.total_count / 2));
    for (const full of [false, true]) {
      const all = await proxy.get(`/key/list?size=100&return_full_object=${full}`).expect(200);
      for (const raw of rawKeys) expect(JSON.stringify(all.body)).not.toContain(raw);
    }
  });

  it("finds a key by raw key or token, and 404s an unknown one", async () => {
    const { key, token } = await generate({ key_alias: "lookup" });
    expect((await proxy.get(`/key/info?key=${key}`).expect(200)).body).toMatchObject({
      key: token,
      info: { key_alias: "lookup" },
    });
    expect((await proxy.get(`/key/info?key=${token}`).expect(200)).body.info.token).toBe(token);
    await proxy.get("/key/info?key=sk-unknown").expect(404);
  });
});

describe("the raw keys", () => {
  it("appear in no stored row, no log line and no response but their own generate call", async () => {
    const stored = JSON.stringify([
      ...(await db.query(`SELECT * FROM "LiteLLM_VerificationToken"`)),
      ...(await db.query(`SELECT * FROM switchboard_change_log`)),
    ]);
    const logs = proxy.logLines.join("\n");
    for (const raw of rawKeys) {
      expect(stored).not.toContain(raw);
      expect(logs).not.toContain(raw);
      expect(capturedBodies.filter((body) => body.includes(raw))).toHaveLength(1);
    }
  });
});
