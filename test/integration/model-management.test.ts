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
      litellm_params: {
        model: "openai/gpt-4o",
        api_key: "sk-l****cdef",
        api_base: "https://example.test/v1",
        rpm: 100,
      },
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
    const res = await proxy
      .post("/model/new", newModel({ litellm_params: { model: "gpt-4o", rpm: "lots" } }))
      .expect(400);
    expect(res.body.error).toMatchObject({ param: "litellm_params.rpm", code: "invalid_value" });
  });

  it("answers 400 unsupported_provider for a name that is not a LiteLLM provider, suggesting the closest", async () => {
    const res = await proxy.post("/model/new", newModel({ litellm_params: { model: "opnai/gpt-4o" } })).expect(400);
    expect(res.body.error).toEqual({
      message:
        'Unsupported provider "opnai" in model "opnai/gpt-4o": it is not a LiteLLM provider. Did you mean "openai"?',
      type: "invalid_request_error",
      param: "litellm_params.model",
      code: "unsupported_provider",
    });
    const far = await proxy.post("/model/new", newModel({ litellm_params: { model: "madeup/model-x" } })).expect(400);
    expect(far.body.error).toMatchObject({ param: "litellm_params.model", code: "unsupported_provider" });
    expect(far.body.error.message).toContain("https://docs.litellm.ai/docs/providers");
    const custom = await proxy
      .post("/model/new", newModel({ litellm_params: { model: "claude-3", custom_llm_provider: "antrhopic" } }))
      .expect(400);
    expect(custom.body.error).toMatchObject({
      param: "litellm_params.custom_llm_provider",
      code: "unsupported_provider",
    });
    expect(custom.body.error.message).toContain('Did you mean "anthropic"?');
  });

  it("stores a LiteLLM provider Switchboard cannot call, as LiteLLM does, and lists it as not callable", async () => {
    const res = await proxy
      .post("/model/new", {
        model_name: "gemini-db",
        litellm_params: { model: "vertex_ai/gemini-pro", vertex_project: "p1" },
      })
      .expect(200);
    const notCallable = {
      callable: false,
      not_callable_reason: expect.stringContaining(
        'Switchboard cannot call provider "vertex_ai" yet (callable providers: openai, azure, anthropic,',
      ),
    };
    expect(res.body.model_info).toMatchObject(notCallable);
    const id = res.body.model_id as string;
    const info = await proxy.get(`/model/info?litellm_model_id=${id}`).expect(200);
    expect(info.body.data[0].model_info).toMatchObject({ ...notCallable, db_model: true });
    const models = (await proxy.get("/v1/models").expect(200)).body.data as Array<{ id: string; owned_by: string }>;
    expect(models.find((m) => m.id === "gemini-db")).toMatchObject({ owned_by: "vertex_ai" });
    const group = await proxy.get("/model_group/info?model_group=gemini-db").expect(200);
    expect(group.body.data[0]).toMatchObject({ model_group: "gemini-db", providers: ["vertex_ai"] });
    const callable = await proxy.get("/model/info?litellm_model_id=config-gpt-id").expect(200);
    expect(callable.body.data[0].model_info.callable).toBe(true);
    expect(callable.body.data[0].model_info).not.toHaveProperty("not_callable_reason");
  });

  it("takes null as not given for every optional field, as LiteLLM's clients send it", async () => {
    const res = await proxy
      .post("/model/new", {
        model_name: "nulls",
        litellm_params: {
          model: "openai/x",
          api_base: null,
          api_key: null,
          api_version: null,
          rpm: null,
          tpm: null,
          timeout: null,
          weight: null,
        },
        model_info: null,
      })
      .expect(200);
    expect(res.body.litellm_params).toEqual({ model: "openai/x" });
    expect(res.body.model_info).toEqual({ id: res.body.model_id, db_model: true, callable: true });
    const withId = await proxy
      .post("/model/new", {
        model_name: "nulls",
        litellm_params: { model: "openai/x" },
        model_info: { id: null, tier: null },
      })
      .expect(200);
    expect(withId.body.model_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(withId.body.model_info).not.toHaveProperty("tier");
    const [row] = await db.query<{ litellm_params: Record<string, unknown>; model_info: Record<string, unknown> }>(
      `SELECT litellm_params, model_info FROM "LiteLLM_ProxyModelTable" WHERE model_id = $1`,
      [res.body.model_id],
    );
    expect(Object.keys(row!.litellm_params)).toEqual(["model"]);
    expect(row!.model_info).toEqual({});
  });

  it("accepts fields LiteLLM takes that Switchboard does not act on", async () => {
    const res = await proxy
      .post("/model/new", {
        ...newModel({ model_name: "litellm-extras" }),
        blocked: false,
        model_info: {
          team_id: "team-1",
          access_groups: ["beta"],
          base_model: "gpt-4o",
          mode: "chat",
          my_key: { nested: 1 },
        },
      })
      .expect(200);
    expect(res.body.model_info).toMatchObject({
      team_id: "team-1",
      access_groups: ["beta"],
      base_model: "gpt-4o",
      my_key: { nested: 1 },
    });
  });

  it("still answers 400 naming a known field of the wrong type", async () => {
    const info = await proxy.post("/model/new", newModel({ model_info: { id: 42 } })).expect(400);
    expect(info.body.error).toMatchObject({ param: "model_info.id", code: "invalid_value" });
    const params = await proxy
      .post("/model/new", newModel({ litellm_params: { model: "gpt-4o", api_base: 7 } }))
      .expect(400);
    expect(params.body.error).toMatchObject({ param: "litellm_params.api_base", code: "invalid_value" });
    const name = await proxy.post("/model/new", { model_name: null, litellm_params: { model: "gpt-4o" } }).expect(400);
    expect(name.body.error).toMatchObject({ param: "model_name" });
  });

  it("answers 400 naming litellm_params.api_base for an azure deployment without one", async () => {
    const res = await proxy
      .post("/model/new", newModel({ litellm_params: { model: "azure/my-deployment" } }))
      .expect(400);
    expect(res.body.error).toMatchObject({ param: "litellm_params.api_base", code: "missing_required_field" });
  });

  it("changes nothing when a write fails", async () => {
    const before = await db.query<{ n: string }>(`SELECT count(*) AS n FROM switchboard_change_log`);
    await proxy.post("/model/new", newModel({ model_info: { id: "fixed-id-1" } })).expect(409);
    await proxy.post("/model/new", newModel({ litellm_params: { model: "madeup/x" } })).expect(400);
    await proxy.post("/model/new", newModel({ litellm_params: { model: "opnai/x" } })).expect(400);
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
      .post("/model/update", { model_info: { id, tier: "gold" }, litellm_params: { rpm: 7, api_base: "" } })
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
    const res = await proxy
      .patch(`/model/${id}/update`, { model_name: "renamed", model_info: { owner: "ml" } })
      .expect(200);
    expect(res.body).toMatchObject({ model_name: "renamed", model_info: { owner: "ml", tier: "gold" } });
    const groups = (await proxy.get("/v1/models")).body.data.map((m: { id: string }) => m.id);
    expect(groups).toContain("renamed");
    expect(groups).not.toContain("to-edit");
  });

  it("keeps every stored value a null stands for, on both update endpoints (LiteLLM's merge)", async () => {
    const before = (await proxy.get(`/model/info?litellm_model_id=${id}`).expect(200)).body.data[0];
    const post = await proxy
      .post("/model/update", {
        model_name: null,
        model_info: { id, tier: null, my_custom_key: null },
        litellm_params: { model: null, api_key: null, rpm: null, timeout: null },
        blocked: null,
      })
      .expect(200);
    expect(post.body.litellm_params).toEqual(before.litellm_params);
    expect(post.body.model_info).toMatchObject({ tier: "gold", my_custom_key: "custom-value" });
    expect(post.body.model_name).toBe(before.model_name);
    const patch = await proxy
      .patch(`/model/${id}/update`, { model_name: null, litellm_params: null, model_info: null, blocked: null })
      .expect(200);
    expect(patch.body.litellm_params).toEqual(before.litellm_params);
    expect(patch.body.model_info).toMatchObject({ tier: "gold", my_custom_key: "custom-value" });
    expect(proxy.replica.deps.registry.byId(id)?.litellmParams.api_key).toBe(SECRET);
  });

  it('removes a key sent as "", of any type, from litellm_params and model_info', async () => {
    await proxy
      .patch(`/model/${id}/update`, {
        litellm_params: { api_version: "2024-06-01", max_retries: 2 },
        model_info: { scratch: 1 },
      })
      .expect(200);
    const res = await proxy
      .patch(`/model/${id}/update`, {
        litellm_params: { api_version: "", rpm: "", max_retries: "" },
        model_info: { scratch: "" },
      })
      .expect(200);
    expect(res.body.litellm_params).not.toHaveProperty("api_version");
    expect(res.body.litellm_params).not.toHaveProperty("rpm");
    expect(res.body.litellm_params).not.toHaveProperty("max_retries");
    expect(res.body.model_info).not.toHaveProperty("scratch");
    expect(proxy.replica.deps.registry.byId(id)?.litellmParams).not.toHaveProperty("rpm");
    const model = await proxy.patch(`/model/${id}/update`, { litellm_params: { model: "" } }).expect(400);
    expect(model.body.error.param).toBe("litellm_params.model");
  });

  it("accepts blocked and model_info fields it does not act on, and does not store what /model/info derives", async () => {
    const info = (await proxy.get(`/model/info?litellm_model_id=${id}`).expect(200)).body.data[0];
    const res = await proxy
      .patch(`/model/${id}/update`, {
        blocked: true,
        model_info: { ...info.model_info, team_id: "team-2", callable: false },
      })
      .expect(200);
    expect(res.body.model_info).toMatchObject({ team_id: "team-2", callable: true, db_model: true });
    const [row] = await db.query<{ model_info: Record<string, unknown> }>(
      `SELECT model_info FROM "LiteLLM_ProxyModelTable" WHERE model_id = $1`,
      [id],
    );
    for (const derived of ["id", "db_model", "callable", "created_at", "updated_by"])
      expect(row!.model_info).not.toHaveProperty(derived);
    expect(row!.model_info).toMatchObject({ team_id: "team-2" });
  });

  it("still answers 400 naming a known field of the wrong type on updates", async () => {
    const blocked = await proxy.patch(`/model/${id}/update`, { blocked: "yes" }).expect(400);
    expect(blocked.body.error).toMatchObject({ param: "blocked", code: "invalid_value" });
    const rpm = await proxy.post("/model/update", { model_info: { id }, litellm_params: { rpm: "lots" } }).expect(400);
    expect(rpm.body.error).toMatchObject({ param: "litellm_params.rpm", code: "invalid_value" });
    const name = await proxy.patch(`/model/${id}/update`, { model_name: 5 }).expect(400);
    expect(name.body.error).toMatchObject({ param: "model_name", code: "invalid_value" });
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

  it("rejects an update to a name that is not a LiteLLM provider and keeps the old params", async () => {
    await proxy.patch(`/model/${id}/update`, { litellm_params: { model: "nope/x" } }).expect(400);
    const res = await proxy
      .post("/model/update", { model_info: { id }, litellm_params: { model: "anthropc/claude-3" } })
      .expect(400);
    expect(res.body.error).toEqual({
      message:
        'Unsupported provider "anthropc" in model "anthropc/claude-3": it is not a LiteLLM provider. Did you mean "anthropic"?',
      type: "invalid_request_error",
      param: "litellm_params.model",
      code: "unsupported_provider",
    });
    expect(proxy.replica.deps.registry.byId(id)?.provider).toBe("openai");
  });

  it("moves a deployment to a LiteLLM provider it cannot call, and back, marking it in model_info", async () => {
    const moved = await proxy
      .patch(`/model/${id}/update`, {
        litellm_params: { model: "sagemaker/jumpstart-dft-meta-textgeneration-llama-2-7b" },
      })
      .expect(200);
    expect(moved.body.model_info).toMatchObject({ callable: false });
    expect(proxy.replica.deps.registry.byId(id)).toMatchObject({ provider: "sagemaker", callable: false });
    const back = await proxy
      .post("/model/update", { model_info: { id }, litellm_params: { model: "openai/gpt-4o" } })
      .expect(200);
    expect(back.body.model_info.callable).toBe(true);
    expect(back.body.model_info).not.toHaveProperty("not_callable_reason");
    expect(proxy.replica.deps.registry.byId(id)).toMatchObject({ provider: "openai", callable: true });
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
