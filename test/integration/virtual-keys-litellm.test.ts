import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startFakeOpenAI } from "../fakes/fake-openai.js";
import type { FakeUpstream } from "../fakes/fake-upstream-common.js";
import { capturedBodies, type TestReplica } from "../helpers/replica.js";
import { type ProxyFixture, startProxyFixture } from "../helpers/proxy-fixture.js";
import type { TestDatabase } from "../helpers/test-database.js";

// Issue #11: /key/* take the bodies LiteLLM's clients send (explicit nulls, fields Switchboard does not act on yet)
// and answer with LiteLLM's shapes.

let fixture: ProxyFixture;
let db: TestDatabase;
let upstream: FakeUpstream;
let proxy: TestReplica;
const rawKeys: string[] = [];

beforeAll(async () => {
  const configYaml = (url: string) => `
model_list:
  - model_name: gpt-a
    litellm_params: { model: openai/gpt-a, api_base: "${url}/v1", api_key: sk-upstream-key-for-tests }
  - model_name: gpt-b
    litellm_params: { model: openai/gpt-b, api_base: "${url}/v1", api_key: sk-upstream-key-for-tests }
`;
  fixture = await startProxyFixture({ fake: startFakeOpenAI, configYaml });
  ({ db, upstream, proxy } = fixture);
});

afterAll(() => fixture.close());

type Body = Record<string, unknown>;

async function generate(body: Body = {}): Promise<Body & { key: string; token: string }> {
  const res = await proxy.post("/key/generate", body).expect(200);
  rawKeys.push(res.body.key);
  return res.body;
}

/** Requests made with a virtual key. */
const as = (key: string) => proxy.withKey(key);

const chat = (model: string) => ({ model, messages: [{ role: "user", content: "hi" }] });
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

// Every optional field of LiteLLM's GenerateKeyRequest that a client may send as null.
const LITELLM_GENERATE_FIELDS = [
  "key_alias",
  "duration",
  "models",
  "spend",
  "max_budget",
  "user_id",
  "team_id",
  "agent_id",
  "max_parallel_requests",
  "metadata",
  "tpm_limit",
  "rpm_limit",
  "budget_duration",
  "allowed_cache_controls",
  "config",
  "permissions",
  "model_max_budget",
  "model_rpm_limit",
  "model_tpm_limit",
  "guardrails",
  "policies",
  "prompts",
  "blocked",
  "aliases",
  "object_permission",
  "key",
  "budget_id",
  "tags",
  "enforced_params",
  "allowed_routes",
  "allowed_passthrough_routes",
  "allowed_vector_store_indexes",
  "rpm_limit_type",
  "tpm_limit_type",
  "router_settings",
  "access_group_ids",
  "soft_budget",
  "send_invite_email",
  "key_type",
  "auto_rotate",
  "rotation_interval",
  "organization_id",
  "project_id",
];

// Every field of LiteLLM's GenerateKeyResponse.
const LITELLM_GENERATED_KEY_FIELDS = [
  "key",
  "key_name",
  "expires",
  "user_id",
  "token_id",
  "organization_id",
  "project_id",
  "litellm_budget_table",
  "token",
  "created_by",
  "updated_by",
  "created_at",
  "updated_at",
  "key_alias",
  "duration",
  "models",
  "spend",
  "max_budget",
  "team_id",
  "agent_id",
  "max_parallel_requests",
  "metadata",
  "tpm_limit",
  "rpm_limit",
  "budget_duration",
  "allowed_cache_controls",
  "config",
  "permissions",
  "model_max_budget",
  "model_rpm_limit",
  "model_tpm_limit",
  "guardrails",
  "policies",
  "prompts",
  "blocked",
  "aliases",
  "object_permission",
  "budget_id",
  "tags",
  "enforced_params",
  "allowed_routes",
  "allowed_passthrough_routes",
  "allowed_vector_store_indexes",
  "rpm_limit_type",
  "tpm_limit_type",
  "router_settings",
  "access_group_ids",
];

describe("POST /key/generate", () => {
  it("treats null as not given for every optional field", async () => {
    const body = Object.fromEntries(LITELLM_GENERATE_FIELDS.map((field) => [field, null]));
    const created = await generate(body);
    expect(created).toMatchObject({
      key_alias: null,
      models: [],
      metadata: {},
      expires: null,
      max_parallel_requests: null,
      spend: 0,
      max_budget: null,
      user_id: null,
      team_id: null,
      blocked: null,
      aliases: {},
      allowed_routes: [],
    });
    expect(created.key).toMatch(/^sk-/);
    const models = await as(created.key).get("/v1/models").expect(200);
    expect(models.body.data.map((m: { id: string }) => m.id).sort()).toEqual(["gpt-a", "gpt-b"]);
  });

  it("answers with every field of LiteLLM's GenerateKeyResponse, token_id being the token", async () => {
    const before = Date.now();
    const created = await generate({
      key_alias: "shape",
      models: ["gpt-a"],
      metadata: { team: "search" },
      max_parallel_requests: 3,
      duration: "1h",
    });
    expect(Object.keys(created)).toEqual(expect.arrayContaining(LITELLM_GENERATED_KEY_FIELDS));
    expect(created.token).toBe(sha256(created.key));
    expect(created.token_id).toBe(created.token);
    expect(created).toMatchObject({
      key_name: `sk-...${created.key.slice(-4)}`,
      key_alias: "shape",
      models: ["gpt-a"],
      metadata: { team: "search" },
      max_parallel_requests: 3,
      spend: 0,
      duration: "1h",
      budget_id: null,
      litellm_budget_table: null,
      tags: null,
    });
    const expires = Date.parse(String(created.expires));
    expect(expires).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 3_600_000);
    expect(Date.parse(String(created.created_at))).toBeGreaterThanOrEqual(before - 1000);
  });

  it("stores the fields LiteLLM takes that Switchboard does not enforce yet, and /key/info shows them", async () => {
    const created = await generate({
      user_id: "user-1",
      team_id: "team-1",
      organization_id: "org-1",
      max_budget: 12.5,
      soft_budget: 10,
      budget_duration: "30d",
      tpm_limit: 1000,
      rpm_limit: 10,
      model_max_budget: { "gpt-a": { budget_limit: 1, time_period: "1d" } },
      model_rpm_limit: { "gpt-a": 5 },
      model_tpm_limit: { "gpt-a": 500 },
      tags: ["prod"],
      guardrails: ["pii"],
      enforced_params: ["user"],
      metadata: { app: "billing" },
      key_type: "llm_api",
      permissions: { pii: false },
      aliases: { fast: "gpt-a" },
      config: { anything: true },
      allowed_cache_controls: ["no-cache"],
      send_invite_email: true,
      spend: 0.25,
      // Taken by LiteLLM, ignored here: no budget tables, projects or key rotation.
      budget_id: "budget-1",
      project_id: "project-1",
      auto_rotate: false,
      rotation_interval: "30d",
      object_permission: { vector_stores: ["vs"] },
      some_future_litellm_field: { nested: [1, 2] },
    });
    const expected = {
      user_id: "user-1",
      team_id: "team-1",
      organization_id: "org-1",
      max_budget: 12.5,
      soft_budget: 10,
      budget_duration: "30d",
      tpm_limit: 1000,
      rpm_limit: 10,
      spend: 0.25,
      model_max_budget: { "gpt-a": { budget_limit: 1, time_period: "1d" } },
      metadata: {
        app: "billing",
        tags: ["prod"],
        guardrails: ["pii"],
        enforced_params: ["user"],
        model_rpm_limit: { "gpt-a": 5 },
        model_tpm_limit: { "gpt-a": 500 },
      },
      permissions: { pii: false },
      aliases: { fast: "gpt-a" },
      config: { anything: true },
      allowed_cache_controls: ["no-cache"],
      allowed_routes: ["llm_api_routes"],
    };
    expect(created).toMatchObject({ ...expected, tags: ["prod"], model_rpm_limit: { "gpt-a": 5 } });
    const info = await proxy.get(`/key/info?key=${created.token}`).expect(200);
    expect(info.body.info).toMatchObject(expected);
    const [row] = await db.query(
      `SELECT user_id, team_id, max_budget, tpm_limit::text AS tpm_limit, budget_duration FROM "LiteLLM_VerificationToken" WHERE token = $1`,
      [created.token],
    );
    expect(row).toEqual({
      user_id: "user-1",
      team_id: "team-1",
      max_budget: 12.5,
      tpm_limit: "1000",
      budget_duration: "30d",
    });
  });

  it("still answers 400 naming the field when a known field has the wrong type", async () => {
    const wrong: Array<[string, unknown]> = [
      ["models", "gpt-a"],
      ["metadata", "team"],
      ["max_parallel_requests", -1],
      ["max_parallel_requests", 1.5],
      ["max_budget", -1],
      ["max_budget", "lots"],
      ["tpm_limit", "10"],
      ["user_id", 5],
      ["tags", "prod"],
      ["blocked", "yes"],
      ["key_type", "superuser"],
      ["model_rpm_limit", { "gpt-a": "fast" }],
      ["budget_duration", "monthly"],
      ["duration", 30],
      ["key", 42],
    ];
    for (const [field, value] of wrong) {
      const res = await proxy.post("/key/generate", { [field]: value });
      expect({ field, status: res.status }).toEqual({ field, status: 400 });
      expect(res.body.error.param).toMatch(new RegExp(`^${field}\\b`));
    }
  });

  it('takes max_budget "" (as LiteLLM\'s UI sends it) as no budget', async () => {
    expect((await generate({ max_budget: "" })).max_budget).toBeNull();
  });

  it("uses a key the caller chose when it starts with sk-, and refuses one that does not", async () => {
    const chosen = "sk-chosen-by-the-admin-0123456789";
    const created = await generate({ key: chosen });
    expect(created.key).toBe(chosen);
    expect(created.token).toBe(sha256(chosen));
    await as(chosen).get("/v1/models").expect(200);
    const again = await proxy.post("/key/generate", { key: chosen }).expect(409);
    expect(again.body.error.param).toBe("key");

    const bad = await proxy.post("/key/generate", { key: "chosen-without-prefix-42" }).expect(400);
    expect(bad.body.error).toMatchObject({ param: "key", message: expect.stringContaining("must start with 'sk-'") });
    expect(bad.body.error.message).not.toContain("chosen-without-prefix-42");
    const master = await proxy.post("/key/generate", { key: proxy.masterKey }).expect(400);
    expect(master.body.error.param).toBe("key");
  });
});

describe("max_parallel_requests: 0", () => {
  it("is a valid limit that refuses every inference call of the key with 429, without calling the upstream", async () => {
    const { key, max_parallel_requests } = await generate({ max_parallel_requests: 0 });
    expect(max_parallel_requests).toBe(0);
    const before = upstream.requests.length;
    const refused = await as(key).post("/v1/chat/completions", chat("gpt-a")).expect(429);
    expect(refused.body.error).toMatchObject({ type: "rate_limit_error", code: "max_parallel_requests" });
    await as(key).post("/v1/embeddings", { model: "gpt-a", input: "x" }).expect(429);
    expect(upstream.requests.length).toBe(before);
    await as(key).get("/v1/models").expect(200);
  });

  it("can be set and lifted with /key/update", async () => {
    const { key } = await generate();
    await as(key).post("/v1/chat/completions", chat("gpt-b")).expect(200);
    await proxy.post("/key/update", { key, max_parallel_requests: 0 }).expect(200);
    await as(key).post("/v1/chat/completions", chat("gpt-b")).expect(429);
    await proxy.post("/key/update", { key, max_parallel_requests: null }).expect(200);
    await as(key).post("/v1/chat/completions", chat("gpt-b")).expect(200);
  });
});

describe("POST /key/update", () => {
  it("replaces metadata instead of merging it, and answers with the updated key by its hash", async () => {
    const { key, token } = await generate({ metadata: { a: 1, b: 2 } });
    const res = await proxy.post("/key/update", { key, metadata: { c: 3 } }).expect(200);
    expect(res.body).toMatchObject({ key: token, token, metadata: { c: 3 }, key_name: `sk-...${key.slice(-4)}` });
    expect(JSON.stringify(res.body)).not.toContain(key);
    expect((await proxy.get(`/key/info?key=${token}`).expect(200)).body.info.metadata).toEqual({ c: 3 });
  });

  it("writes LiteLLM's metadata fields into the new metadata", async () => {
    const { token } = await generate({ metadata: { old: true }, tags: ["a"] });
    const res = await proxy.post("/key/update", {
      key: token,
      metadata: { fresh: true },
      tags: ["b"],
      model_rpm_limit: { "gpt-a": 1 },
    });
    expect(res.body.metadata).toEqual({ fresh: true, tags: ["b"], model_rpm_limit: { "gpt-a": 1 } });
  });

  it("leaves a field out or null as it is when it is a list or object, and clears a single value set to null", async () => {
    const { key, token } = await generate({
      models: ["gpt-a"],
      metadata: { team: "x" },
      aliases: { fast: "gpt-a" },
      key_alias: "to-clear",
      max_parallel_requests: 5,
      duration: "1h",
      user_id: "u-1",
      max_budget: 3,
      blocked: false,
    });
    const untouched = await proxy.post("/key/update", { key }).expect(200);
    expect(untouched.body).toMatchObject({
      models: ["gpt-a"],
      key_alias: "to-clear",
      max_parallel_requests: 5,
      user_id: "u-1",
    });
    expect(untouched.body.expires).not.toBeNull();

    const nulls = {
      models: null,
      metadata: null,
      aliases: null,
      tags: null,
      key_alias: null,
      max_parallel_requests: null,
    };
    const res = await proxy.post("/key/update", {
      key: token,
      ...nulls,
      user_id: null,
      max_budget: null,
      blocked: null,
      spend: null,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      models: ["gpt-a"],
      metadata: { team: "x" },
      aliases: { fast: "gpt-a" },
      spend: 0,
      key_alias: null,
      max_parallel_requests: null,
      user_id: null,
      max_budget: null,
      blocked: null,
    });
    expect(res.body.expires).not.toBeNull();
  });

  it('removes the expiry with duration null or "-1", as LiteLLM does', async () => {
    for (const duration of [null, "-1"]) {
      const { key } = await generate({ duration: "1h" });
      expect((await proxy.post("/key/update", { key, duration }).expect(200)).body.expires).toBeNull();
    }
  });

  it("404 for a key that does not exist", async () => {
    const res = await proxy.post("/key/update", { key: "sk-never-generated", models: null }).expect(404);
    expect(res.body.error.param).toBe("key");
  });
});

describe("GET /key/info", () => {
  let own: { key: string; token: string };
  let other: { key: string; token: string };
  beforeAll(async () => {
    own = await generate({ key_alias: "own" });
    other = await generate({ key_alias: "other" });
  });

  it("answers a virtual key about itself without ?key=, by its hash", async () => {
    const res = await as(own.key).get("/key/info").expect(200);
    expect(res.body).toMatchObject({ key: own.token, info: { token: own.token, key_alias: "own" } });
    expect(JSON.stringify(res.body)).not.toContain(own.key);
  });

  it("answers a virtual key that names itself, by raw key or hash", async () => {
    for (const named of [own.key, own.token]) {
      const res = await as(own.key).get(`/key/info?key=${named}`).expect(200);
      expect(res.body).toMatchObject({ key: own.token, info: { key_alias: "own" } });
    }
  });

  it("refuses a virtual key another key's info with 403, and 404s an unknown key", async () => {
    for (const named of [other.key, other.token]) {
      const res = await as(own.key).get(`/key/info?key=${named}`).expect(403);
      expect(res.body.error).toMatchObject({ type: "permission_error", code: "forbidden" });
    }
    await as(own.key).get("/key/info?key=sk-no-such-key-at-all").expect(404);
  });

  it("lets the master key read any key, and asks it to name one", async () => {
    expect((await proxy.get(`/key/info?key=${other.key}`).expect(200)).body.info.key_alias).toBe("other");
    await proxy.get("/key/info?key=sk-no-such-key-at-all").expect(404);
    const res = await proxy.get("/key/info").expect(400);
    expect(res.body.error.param).toBe("key");
  });

  it("keeps every other /key route master-only, even for the caller's own key", async () => {
    const caller = as(own.key);
    for (const [method, path, body] of [
      ["post", "/key/generate", {}],
      ["post", "/key/update", { key: own.key, models: [] }],
      ["post", "/key/delete", { keys: [own.key] }],
      ["get", "/key/list", undefined],
    ] as const) {
      const res = await (method === "get" ? caller.get(path) : caller.post(path, body)).expect(403);
      expect(res.body.error).toMatchObject({ type: "permission_error", code: "forbidden" });
    }
    await caller.get("/v1/models").expect(200);
  });
});

describe("blocked keys", () => {
  it("are refused with 401 until they are unblocked", async () => {
    const { key } = await generate({ blocked: true });
    const refused = await as(key).post("/v1/chat/completions", chat("gpt-a")).expect(401);
    expect(refused.body.error.message).toMatch(/^Key is blocked/);
    await as(key).get("/v1/models").expect(401);
    await proxy.post("/key/update", { key, blocked: false }).expect(200);
    await as(key).post("/v1/chat/completions", chat("gpt-a")).expect(200);
  });
});

describe("POST /key/delete", () => {
  it("deletes by key_aliases, with keys null", async () => {
    const { key, token } = await generate({ key_alias: "doomed" });
    const res = await proxy.post("/key/delete", { keys: null, key_aliases: ["doomed"] }).expect(200);
    expect(res.body).toEqual({ deleted_keys: [token] });
    await as(key).get("/v1/models").expect(401);
  });

  it("answers 400 naming keys when neither keys nor key_aliases is given", async () => {
    for (const body of [{}, { keys: null, key_aliases: null }, { keys: [] }]) {
      const res = await proxy.post("/key/delete", body).expect(400);
      expect(res.body.error.param).toBe("keys");
    }
  });
});

describe("GET /key/list", () => {
  it("lists tokens, newest first, and key objects with return_full_object=true, as LiteLLM does", async () => {
    const older = await generate({ team_id: "team-order" });
    const newer = await generate({ team_id: "team-order" });
    const tokens = await proxy.get("/key/list?team_id=team-order").expect(200);
    expect(tokens.body).toEqual({ keys: [newer.token, older.token], total_count: 2, current_page: 1, total_pages: 1 });
    const full = await proxy.get("/key/list?team_id=team-order&return_full_object=true").expect(200);
    expect(full.body.keys.map((k: { token: string; team_id: string }) => [k.token, k.team_id])).toEqual([
      [newer.token, "team-order"],
      [older.token, "team-order"],
    ]);
  });

  it("filters by LiteLLM's query fields and ignores the ones it does not know", async () => {
    const { key, token } = await generate({ team_id: "team-list", key_alias: "listed", user_id: "lister" });
    await generate({ team_id: "team-other" });
    expect((await proxy.get("/key/list?team_id=team-list&include_team_keys=true").expect(200)).body.keys).toEqual([
      token,
    ]);
    expect((await proxy.get("/key/list?key_alias=listed").expect(200)).body.keys).toEqual([token]);
    expect((await proxy.get("/key/list?user_id=lister").expect(200)).body.keys).toEqual([token]);
    expect((await proxy.get(`/key/list?key_hash=${token}`).expect(200)).body.keys).toEqual([token]);
    expect((await proxy.get(`/key/list?key_hash=${key}`).expect(200)).body.keys).toEqual([token]);
  });
});

describe("the raw keys", () => {
  it("appear in no response but their own generate call, and in no stored row or log line", async () => {
    const stored = JSON.stringify(await db.query(`SELECT * FROM "LiteLLM_VerificationToken"`));
    const logs = proxy.logLines.join("\n");
    for (const raw of rawKeys) {
      expect(stored).not.toContain(raw);
      expect(logs).not.toContain(raw);
      expect(capturedBodies.filter((body) => body.includes(raw))).toHaveLength(1);
    }
  });
});
