import { writeFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createCostMap } from "../../src/cost/cost-map.js";
import { capturedBodies, startReplica, type TestReplica } from "../helpers/replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

const SECRET = "sk-config-secret-abcdefghijklmnop";

const configYaml = `
model_list:
  - model_name: gpt-4o-mini
    litellm_params: { model: openai/gpt-4o-mini, api_key: os.environ/KEY_A, rpm: 100, tpm: 1000 }
    model_info: { id: cfg-mini-1 }
  - model_name: gpt-4o-mini
    litellm_params: { model: openai/gpt-4o-mini, api_key: os.environ/KEY_A, api_base: "http://mirror.test/v1", rpm: 50 }
    model_info: { id: cfg-mini-2, max_input_tokens: 1234 }
  - model_name: house-model
    litellm_params: { model: openai/house-model-7b, api_base: "http://vllm.test/v1" }
    model_info: { id: cfg-house, my_custom_key: mine }
`;

let db: TestDatabase;
let proxy: TestReplica;
let overrideDir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  overrideDir = await mkdtemp(join(tmpdir(), "sb-cost-"));
  const overridePath = join(overrideDir, "prices.json");
  await writeFile(
    overridePath,
    JSON.stringify({
      "house-model-7b": {
        input_cost_per_token: 0.000001,
        output_cost_per_token: 0.000002,
        max_input_tokens: 32768,
        mode: "chat",
        litellm_provider: "openai",
      },
    }),
  );
  proxy = await startReplica({
    databaseUrl: db.url,
    configYaml,
    env: { KEY_A: SECRET },
    costMap: await createCostMap({ overridePath }),
  });
  for (const name of ["alpha", "beta", "gamma"]) {
    await proxy
      .post("/model/new", {
        model_name: `db-${name}`,
        litellm_params: { model: "openai/gpt-4o", api_key: SECRET },
        model_info: { id: `db-${name}` },
      })
      .expect(200);
  }
});

afterAll(async () => {
  await proxy.close();
  await db.drop();
  await rm(overrideDir, { recursive: true, force: true });
});

describe("GET /model/info", () => {
  it("lists config and stored deployments with db_model and masked secrets", async () => {
    const res = await proxy.get("/model/info").expect(200);
    const byId = new Map(res.body.data.map((item: { model_info: { id: string } }) => [item.model_info.id, item]));
    expect(byId.size).toBe(6);
    expect(byId.get("cfg-mini-1")).toMatchObject({
      model_name: "gpt-4o-mini",
      litellm_params: { model: "openai/gpt-4o-mini", api_key: "sk-c****mnop", rpm: 100 },
      model_info: { id: "cfg-mini-1", db_model: false },
    });
    expect(byId.get("db-alpha")).toMatchObject({
      model_info: { id: "db-alpha", db_model: true, created_by: "proxy_admin" },
    });
    expect(byId.get("cfg-mini-2")).toMatchObject({ litellm_params: { api_base: "http://mirror.test/v1" } });
  });

  it("fills cost-map fields and lets user-set model_info win", async () => {
    const res = await proxy.get("/model/info?litellm_model_id=cfg-mini-1").expect(200);
    const info = res.body.data[0].model_info;
    expect(info).toMatchObject({ litellm_provider: "openai", mode: "chat" });
    expect(info.input_cost_per_token).toBeGreaterThan(0);
    expect(info.max_input_tokens).toBeGreaterThan(1234);
    const own = (await proxy.get("/model/info?litellm_model_id=cfg-mini-2").expect(200)).body.data[0].model_info;
    expect(own.max_input_tokens).toBe(1234);
    expect(own.input_cost_per_token).toBe(info.input_cost_per_token);
  });

  it("uses MODEL_COST_MAP_PATH entries for models the package does not know", async () => {
    const info = (await proxy.get("/model/info?litellm_model_id=cfg-house").expect(200)).body.data[0].model_info;
    expect(info).toMatchObject({
      key: "house-model-7b",
      input_cost_per_token: 0.000001,
      output_cost_per_token: 0.000002,
      max_input_tokens: 32768,
      my_custom_key: "mine",
    });
  });

  it("answers 404 for an unknown litellm_model_id", async () => {
    const res = await proxy.get("/model/info?litellm_model_id=nope").expect(404);
    expect(res.body.error).toMatchObject({ param: "litellm_model_id", type: "not_found_error" });
  });
});

describe("GET /v2/model/info", () => {
  it("pages", async () => {
    const res = await proxy.get("/v2/model/info?page=2&size=4").expect(200);
    expect(res.body).toMatchObject({ total_count: 6, current_page: 2, total_pages: 2, size: 4 });
    expect(res.body.data).toHaveLength(2);
  });

  it("searches case-insensitively and sorts", async () => {
    const res = await proxy.get("/v2/model/info?search=DB-&sortBy=model_name&sortOrder=desc").expect(200);
    expect(res.body.data.map((item: { model_name: string }) => item.model_name)).toEqual([
      "db-gamma",
      "db-beta",
      "db-alpha",
    ]);
  });

  it("filters by provider and source (Switchboard's own parameters), paged, beside LiteLLM's search by model_name", async () => {
    const body = { model_name: "claude-db", litellm_params: { model: "anthropic/claude-3-5-haiku", api_key: SECRET } };
    const { body: added } = await proxy.post("/model/new", body).expect(200);
    try {
      const openai = await proxy.get("/v2/model/info?provider=openai&size=4&page=2").expect(200);
      expect(openai.body).toMatchObject({ total_count: 6, total_pages: 2, current_page: 2 });
      const anthropic = await proxy.get("/v2/model/info?provider=anthropic").expect(200);
      expect(anthropic.body.data.map((item: { model_name: string }) => item.model_name)).toEqual(["claude-db"]);
      const both = await proxy.get("/v2/model/info?provider=anthropic&search=CLAUDE").expect(200);
      expect(both.body.total_count).toBe(1);
      const stored = await proxy.get("/v2/model/info?provider=anthropic&source=db").expect(200);
      expect(stored.body.total_count).toBe(1);
      const fromConfig = await proxy.get("/v2/model/info?provider=anthropic&source=config").expect(200);
      expect(fromConfig.body.total_count).toBe(0);
      await proxy.get("/v2/model/info?source=file").expect(400);
      // search keeps LiteLLM's meaning: model_name only, so a provider prefix matches nothing here
      expect((await proxy.get("/v2/model/info?search=anthropic/").expect(200)).body.total_count).toBe(0);
    } finally {
      await proxy.post("/model/delete", { id: added.model_info.id }).expect(200);
    }
  });

  it("filters by modelId", async () => {
    const res = await proxy.get("/v2/model/info?modelId=db-beta").expect(200);
    expect(res.body.total_count).toBe(1);
  });

  it("answers 400 for an invalid sort or page", async () => {
    expect((await proxy.get("/v2/model/info?sortBy=colour").expect(400)).body.error.param).toBe("sortBy");
    expect((await proxy.get("/v2/model/info?sortOrder=up").expect(400)).body.error.param).toBe("sortOrder");
    expect((await proxy.get("/v2/model/info?page=0").expect(400)).body.error.param).toBe("page");
  });
});

describe("GET /model_group/info", () => {
  it("summarises each model_name over its deployments", async () => {
    const res = await proxy.get("/model_group/info?model_group=gpt-4o-mini").expect(200);
    expect(res.body.data).toHaveLength(1);
    expect(res.body.data[0]).toMatchObject({
      model_group: "gpt-4o-mini",
      providers: ["openai"],
      rpm: 150,
      tpm: 1000,
      num_deployments: 2,
      mode: "chat",
    });
    expect(res.body.data[0].input_cost_per_token).toBeGreaterThan(0);
  });

  it("lists every group without a filter and 404s an unknown one", async () => {
    const res = await proxy.get("/model_group/info").expect(200);
    expect(res.body.data.map((g: { model_group: string }) => g.model_group).sort()).toEqual(
      ["db-alpha", "db-beta", "db-gamma", "gpt-4o-mini", "house-model"].sort(),
    );
    expect((await proxy.get("/model_group/info?model_group=nope").expect(404)).body.error.code).toBe("model_not_found");
  });
});

describe("OpenAI model list", () => {
  it("lists one entry per model_name on /v1/models and /models", async () => {
    for (const path of ["/v1/models", "/models"]) {
      const res = await proxy.get(path).expect(200);
      expect(res.body.object).toBe("list");
      expect(res.body.data).toHaveLength(5);
      expect(res.body.data[0]).toEqual({
        id: expect.any(String),
        object: "model",
        created: 1677610602,
        owned_by: "openai",
      });
    }
  });

  it("retrieves one model, including names with slashes, and 404s unknown ones", async () => {
    await proxy.post("/model/new", { model_name: "org/slashed", litellm_params: { model: "gpt-4o" } }).expect(200);
    expect((await proxy.get("/v1/models/org/slashed").expect(200)).body.id).toBe("org/slashed");
    expect((await proxy.get("/models/db-alpha").expect(200)).body.id).toBe("db-alpha");
    const res = await proxy.get("/v1/models/nope").expect(404);
    expect(res.body.error).toMatchObject({ code: "model_not_found", param: "model" });
  });
});

describe("secrets in listings", () => {
  it("never sent a plaintext secret", () => {
    expect(capturedBodies.filter((body) => body.includes(SECRET))).toEqual([]);
  });
});
