import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { capturedBodies, startReplica, type TestReplica } from "../helpers/replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

const SECRET = "sk-live-plaintext-secret-0123456789abcdef";

let db: TestDatabase;
let proxy: TestReplica;

const configYaml = `
model_list:
  - model_name: config-gpt
    litellm_params:
      model: openai/gpt-4o-mini
      api_key: os.environ/TEST_OPENAI_KEY
    model_info:
      id: config-gpt-id
`;

beforeAll(async () => {
  db = await createTestDatabase();
  proxy = await startReplica({ databaseUrl: db.url, configYaml, env: { TEST_OPENAI_KEY: SECRET } });
});

afterAll(async () => {
  await proxy.close();
  await db.drop();
});

function newModel(overrides: Record<string, unknown> = {}) {
  return {
    model_name: "team-gpt",
    litellm_params: { model: "openai/gpt-4o", api_key: SECRET, api_base: "https://example.test/v1", rpm: 100 },
    model_info: { my_custom_key: "custom-value" },
    ...overrides,
  };
}

describe("POST /model/new", () => {
  it("stores the model, masks its secret and serves it before answering", async () => {
    const res = await proxy.post("/model/new", newModel()).expect(200);
    expect(res.body).toMatchObject({
      model_name: "team-gpt",
      litellm_params: { model: "openai/gpt-4o", api_key: "sk-l****cdef", api_base: "https://example.test/v1", rpm: 100 },
      model_info: { my_custom_key: "custom-value", db_model: true },
      created_by: "proxy_admin",
    });
    const id = res.body.model_id as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.model_info.id).toBe(id);
    const info = await proxy.get(`/model/info?litellm_model_id=${id}`).expect(200);
    expect(info.body.data).toHaveLength(1);
    const list = await proxy.get("/v1/models").expect(200);
    expect(list.body.data.map((m: { id: string }) => m.id)).toContain("team-gpt");
  });

  it("uses a caller-supplied model_info.id and answers 409 when it is taken", async () => {
    await proxy.post("/model/new", newModel({ model_info: { id: "fixed-id-1" } })).expect(200);
    const res = await proxy.post("/model/new", newModel({ model_info: { id: "fixed-id-1" } })).expect(409);
    expect(res.body).toEqual({
      error: {
        message: "A model with id fixed-id-1 already exists",
        type: "invalid_request_error",
        param: "model_info.id",
        code: "conflict",
      },
    });
  });

  it("answers 409 for an id that a config.yaml model already has", async () => {
    const res = await proxy.post("/model/new", newModel({ model_info: { id: "config-gpt-id" } })).expect(409);
    expect(res.body.error.param).toBe("model_info.id");
  });

  it("answers 400 naming model_name when it is missing", async () => {
    const res = await proxy.post("/model/new", { litellm_params: { model: "gpt-4o" } }).expect(400);
    expect(res.body).toEqual({
      error: {
        message: "model_name is required",
        type: "invalid_request_error",
        param: "model_name",
        code: "missing_required_field",
      },
    });
  });

  it("answers 400 naming litellm_params.model when it is missing", async () => {
    const res = await proxy.post("/model/new", { model_name: "x", litellm_params: { api_key: "k" } }).expect(400);
    expect(res.body.error).toMatchObject({ param: "litellm_params.model", code: "missing_required_field" });
  });

  it("answers 400 for a wrongly typed field, naming it", async () => {
    const res = await proxy.post("/model/new", newModel({ litellm_params: { model: "gpt-4o", rpm: "lots" } })).expect(400);
    expect(res.body.error).toMatchObject({ param: "litellm_params.rpm", code: "invalid_value" });
  });

  it("answers 400 listing the supported providers for an unknown prefix", async () => {
    const res = await proxy.post("/model/new", newModel({ litellm_params: { model: "madeup/model-x" } })).expect(400);
    expect(res.body.error).toEqual({
      message: 'Unsupported provider "madeup". Supported providers: openai, azure, anthropic',
      type: "invalid_request_error",
      param: "litellm_params.model",
      code: "unsupported_provider",
    });
  });

  it("answers 400 naming litellm_params.api_base for an azure deployment without one", async () => {
    const res = await proxy.post("/model/new", newModel({ litellm_params: { model: "azure/my-deployment" } })).expect(400);
    expect(res.body.error).toMatchObject({ param: "litellm_params.api_base", code: "missing_required_field" });
  });

  it("changes nothing when a write fails", async () => {
    const before = await db.query<{ n: string }>(`SELECT count(*) AS n FROM switchboard_change_log`);
    await proxy.post("/model/new", newModel({ model_info: { id: "fixed-id-1" } })).expect(409);
    await proxy.post("/model/new", newModel({ litellm_params: { model: "madeup/x" } })).expect(400);
    const after = await db.query<{ n: string }>(`SELECT count(*) AS n FROM switchboard_change_log`);
    expect(after[0]!.n).toBe(before[0]!.n);
  });
});

describe("model updates", () => {
  let id: string;
  beforeAll(async () => {
    id = (await proxy.post("/model/new", newModel({ model_name: "to-edit" })).expect(200)).body.model_id;
  });

  it("POST /model/update merges params key by key and keeps the secret", async () => {
    const res = await proxy
      .post("/model/update", { model_info: { id, tier: "gold" }, litellm_params: { rpm: 7, api_base: null } })
      .expect(200);
    expect(res.body.litellm_params).toEqual({ model: "openai/gpt-4o", api_key: "sk-l****cdef", rpm: 7 });
    expect(res.body.model_info).toMatchObject({ my_custom_key: "custom-value", tier: "gold", id });
    const [row] = await db.query<{ litellm_params: Record<string, string> }>(
      `SELECT litellm_params FROM "LiteLLM_ProxyModelTable" WHERE model_id = $1`,
      [id],
    );
    expect(row!.litellm_params.api_key).toMatch(/^sb1:gcm:/);
  });

  it("keeps the stored secret when the masked value is sent back", async () => {
    await proxy.post("/model/update", { model_info: { id }, litellm_params: { api_key: "sk-l****cdef" } }).expect(200);
    const deployment = proxy.replica.deps.registry.byId(id);
    expect(deployment?.litellmParams.api_key).toBe(SECRET);
  });

  it("PATCH /model/{id}/update renames and edits model_info only", async () => {
    const res = await proxy.patch(`/model/${id}/update`, { model_name: "renamed", model_info: { owner: "ml" } }).expect(200);
    expect(res.body).toMatchObject({ model_name: "renamed", model_info: { owner: "ml", tier: "gold" } });
    const groups = (await proxy.get("/v1/models")).body.data.map((m: { id: string }) => m.id);
    expect(groups).toContain("renamed");
    expect(groups).not.toContain("to-edit");
  });

  it("answers 404 for an unknown id on both update endpoints", async () => {
    const post = await proxy.post("/model/update", { model_info: { id: "nope" } }).expect(404);
    expect(post.body.error).toMatchObject({ type: "not_found_error", param: "id", message: "Model nope not found" });
    await proxy.patch("/model/nope/update", { model_name: "x" }).expect(404);
  });

  it("answers 400 for a config model", async () => {
    const res = await proxy.post("/model/update", { model_info: { id: "config-gpt-id" }, model_name: "x" }).expect(400);
    expect(res.body.error.message).toContain("defined in config.yaml");
    expect(res.body.error.code).toBe("config_model");
  });

  it("answers 400 naming model_info.id when it is missing", async () => {
    const res = await proxy.post("/model/update", { model_name: "x" }).expect(400);
    expect(res.body.error.param).toBe("model_info");
    const res2 = await proxy.post("/model/update", { model_info: {} }).expect(400);
    expect(res2.body.error.param).toBe("model_info.id");
  });

  it("rejects an update to an unsupported provider and keeps the old params", async () => {
    await proxy.patch(`/model/${id}/update`, { litellm_params: { model: "nope/x" } }).expect(400);
    expect(proxy.replica.deps.registry.byId(id)?.provider).toBe("openai");
  });
});

describe("POST /model/delete", () => {
  it("deletes a stored model", async () => {
    const id = (await proxy.post("/model/new", newModel({ model_name: "doomed" })).expect(200)).body.model_id;
    const res = await proxy.post("/model/delete", { id }).expect(200);
    expect(res.body).toEqual({ message: `Model: ${id} deleted successfully` });
    await proxy.get(`/model/info?litellm_model_id=${id}`).expect(404);
    const groups = (await proxy.get("/v1/models")).body.data.map((m: { id: string }) => m.id);
    expect(groups).not.toContain("doomed");
  });

  it("answers 404 for an unknown id and 400 for a config model", async () => {
    await proxy.post("/model/delete", { id: "never-existed" }).expect(404);
    const res = await proxy.post("/model/delete", { id: "config-gpt-id" }).expect(400);
    expect(res.body.error.code).toBe("config_model");
  });

  it("answers 400 naming id when it is missing", async () => {
    const res = await proxy.post("/model/delete", {}).expect(400);
    expect(res.body.error.param).toBe("id");
  });
});

describe("secrets", () => {
  it("stores no plaintext secret in any row", async () => {
    const rows = await db.query(`SELECT * FROM "LiteLLM_ProxyModelTable"`);
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain(SECRET);
    expect(JSON.stringify(await db.query(`SELECT * FROM switchboard_change_log`))).not.toContain(SECRET);
  });

  it("never sent the plaintext secret in any response of this file", () => {
    expect(capturedBodies.length).toBeGreaterThan(10);
    expect(capturedBodies.filter((body) => body.includes(SECRET))).toEqual([]);
  });

  it("never logged the plaintext secret", () => {
    expect(proxy.logLines.join("\n")).not.toContain(SECRET);
  });
});
