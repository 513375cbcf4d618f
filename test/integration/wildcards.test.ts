import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startFakeAnthropic } from "../fakes/fake-anthropic.js";
import { startFakeOpenAI } from "../fakes/fake-openai.js";
import type { FakeUpstream } from "../fakes/fake-upstream-common.js";
import { startReplica, type TestReplica } from "../helpers/replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

let db: TestDatabase;
let openai: FakeUpstream;
let anthropic: FakeUpstream;
let proxy: TestReplica;

const HAIKU = "claude-3-haiku-20240307";

beforeAll(async () => {
  db = await createTestDatabase();
  openai = await startFakeOpenAI();
  anthropic = await startFakeAnthropic();
  const viaOpenAI = `api_base: "${openai.url}/v1", api_key: sk-wild-openai`;
  proxy = await startReplica({
    databaseUrl: db.url,
    configYaml: `
model_list:
  - model_name: gpt-4.1
    litellm_params: { model: openai/exact-gpt-4.1, ${viaOpenAI} }
    model_info: { id: exact-41 }
  - model_name: "openai/*"
    litellm_params: { model: "openai/*", ${viaOpenAI} }
    model_info: { id: openai-any }
  - model_name: "openai/gpt-4o*"
    litellm_params: { model: "openai/gpt-4o*", ${viaOpenAI} }
    model_info: { id: openai-4o }
  - model_name: "anthropic/*"
    litellm_params: { model: "anthropic/*", api_base: "${anthropic.url}", api_key: sk-ant-wild }
    model_info: { id: anthropic-any, access_groups: [claude-team] }
`,
  });
});

afterAll(async () => {
  await proxy.close();
  await openai.close();
  await anthropic.close();
  await db.drop();
});

const chatBody = (model: string) => ({ model, messages: [{ role: "user", content: "which model?" }] });

/** Requests made with a virtual key. */
const as = (key: string) => proxy.withKey(key);

async function newKey(models: string[]): Promise<string> {
  const res = await proxy.post("/key/generate", { models }).expect(200);
  return res.body.key as string;
}

/** Calls the model and answers which deployment served it and which model name the fake upstream received. */
async function callThrough(upstream: FakeUpstream, model: string, client = as(proxy.masterKey)) {
  const before = upstream.requests.length;
  const res = await client.post("/v1/chat/completions", chatBody(model));
  const sent = upstream.requests.slice(before).map((r) => r.body?.model as string);
  return { res, deployment: res.headers["x-litellm-model-id"], sent };
}

const ids = (res: { body: { data: Array<{ id: string }> } }) => res.body.data.map((m) => m.id);

describe("calls to wildcard deployments", () => {
  it("pass the requested name through to the provider: openai/gpt-4.1 calls gpt-4.1", async () => {
    const { res, deployment, sent } = await callThrough(openai, "openai/gpt-4.1");
    expect(res.status).toBe(200);
    expect(deployment).toBe("openai-any");
    expect(sent).toEqual(["gpt-4.1"]);
    // Priced as the model actually called, from the cost map.
    expect(Number(res.headers["x-litellm-response-cost"])).toBeGreaterThan(0);
  });

  it("serve a bare name through its provider's pattern: o3 goes to openai/* as o3", async () => {
    const { res, deployment, sent } = await callThrough(openai, "o3");
    expect(res.status).toBe(200);
    expect(deployment).toBe("openai-any");
    expect(sent).toEqual(["o3"]);
  });

  it("prefer an exact model_name over any pattern", async () => {
    const { res, deployment, sent } = await callThrough(openai, "gpt-4.1");
    expect(res.status).toBe(200);
    expect(deployment).toBe("exact-41");
    expect(sent).toEqual(["exact-gpt-4.1"]);
  });

  it("prefer the longer pattern: openai/gpt-4o-mini goes to openai/gpt-4o*", async () => {
    const qualified = await callThrough(openai, "openai/gpt-4o-mini");
    expect([qualified.res.status, qualified.deployment, qualified.sent]).toEqual([200, "openai-4o", ["gpt-4o-mini"]]);
    const bare = await callThrough(openai, "gpt-4o-mini");
    expect([bare.res.status, bare.deployment, bare.sent]).toEqual([200, "openai-4o", ["gpt-4o-mini"]]);
  });

  it("route anthropic/* to Anthropic with the model named as Anthropic names it, streaming too", async () => {
    const { res, deployment, sent } = await callThrough(anthropic, `anthropic/${HAIKU}`);
    expect(res.status).toBe(200);
    expect(deployment).toBe("anthropic-any");
    expect(sent).toEqual([HAIKU]);
    const before = anthropic.requests.length;
    const stream = await proxy
      .post("/v1/chat/completions", { ...chatBody(`anthropic/${HAIKU}`), stream: true })
      .expect(200);
    expect(stream.text).toContain("data: [DONE]");
    expect(anthropic.requests.slice(before).map((r) => r.body?.model)).toEqual([HAIKU]);
  });

  it("leave a name no group and no pattern serves unknown, without calling anyone", async () => {
    const before = openai.requests.length + anthropic.requests.length;
    const res = await proxy.post("/v1/chat/completions", chatBody("mistral/mistral-large"));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("model_not_found");
    expect(openai.requests.length + anthropic.requests.length).toBe(before);
  });

  it.each([
    ["*", "star-any"],
    ["openai/*", "star-openai"],
  ])(
    "take stored wildcard deployments too: model_name * with model %s serves any other name as sent",
    async (model, id) => {
      const added = await proxy.post("/model/new", {
        model_name: "*",
        litellm_params: { model, api_base: `${openai.url}/v1`, api_key: "sk-star" },
        model_info: { id },
      });
      expect(added.status).toBe(200);
      try {
        const custom = await callThrough(openai, "my-finetune-v2");
        expect([custom.res.status, custom.deployment, custom.sent]).toEqual([200, id, ["my-finetune-v2"]]);
        // Exact names and longer patterns still win over `*`.
        expect((await callThrough(openai, "gpt-4.1")).deployment).toBe("exact-41");
        expect((await callThrough(anthropic, `anthropic/${HAIKU}`)).deployment).toBe("anthropic-any");
      } finally {
        await proxy.post("/model/delete", { id }).expect(200);
      }
      expect((await proxy.post("/v1/chat/completions", chatBody("my-finetune-v2"))).status).toBe(400);
    },
  );
});

describe("key allow-lists with patterns", () => {
  it("reach what the pattern matches on calls, bare names through their provider, and nothing else", async () => {
    const key = as(await newKey(["openai/*"]));
    expect((await callThrough(openai, "openai/gpt-4.1", key)).sent).toEqual(["gpt-4.1"]);
    expect((await callThrough(openai, "o3", key)).sent).toEqual(["o3"]);
    expect((await callThrough(openai, "gpt-4.1", key)).sent).toEqual(["exact-gpt-4.1"]);
    const denied = await callThrough(anthropic, `anthropic/${HAIKU}`, key);
    expect(denied.res.status).toBe(401);
    expect(denied.res.body.error.type).toBe("key_model_access_denied");
    expect(denied.sent).toEqual([]);
  });

  it("list only what the pattern reaches, on every listing", async () => {
    const key = as(await newKey(["openai/*"]));
    const listed = ids(await key.get("/v1/models").expect(200));
    expect(listed).toEqual(expect.arrayContaining(["gpt-4.1", "openai/gpt-4o-mini", "openai/o3"]));
    expect(listed.some((id) => id.startsWith("anthropic/"))).toBe(false);
    expect(ids(await key.get("/models").expect(200))).toEqual(listed);

    await key.get("/v1/models/openai/gpt-4.1").expect(200);
    await key.get(`/v1/models/anthropic/${HAIKU}`).expect(404);

    const info = await key.get("/model/info").expect(200);
    expect(info.body.data.map((d: { model_info: { id: string } }) => d.model_info.id).sort()).toEqual([
      "exact-41",
      "openai-4o",
      "openai-any",
    ]);
    const v2 = await key.get("/v2/model/info").expect(200);
    expect(v2.body.total_count).toBe(3);

    const groups = (await key.get("/model_group/info").expect(200)).body.data.map(
      (g: { model_group: string }) => g.model_group,
    );
    expect(groups).toEqual(expect.arrayContaining(["gpt-4.1", "openai/gpt-4o-mini"]));
    expect(groups.some((g: string) => g.startsWith("anthropic/"))).toBe(false);
    await key.get(`/model_group/info?model_group=anthropic/${HAIKU}`).expect(404);
  });

  it("reach a wildcard deployment's models through its access group", async () => {
    const key = as(await newKey(["claude-team"]));
    expect((await callThrough(anthropic, `anthropic/${HAIKU}`, key)).sent).toEqual([HAIKU]);
    expect((await callThrough(openai, "openai/gpt-4.1", key)).res.status).toBe(401);
    const listed = ids(await key.get("/v1/models").expect(200));
    expect(listed).toContain(`anthropic/${HAIKU}`);
    expect(listed.every((id) => id.startsWith("anthropic/"))).toBe(true);
    expect(
      ids(await key.get("/v1/models?include_model_access_groups=true&only_model_access_groups=true").expect(200)),
    ).toEqual(["claude-team"]);
  });

  it("match a partial pattern such as anthropic/claude-3-5*", async () => {
    const key = as(await newKey(["anthropic/claude-3-5*"]));
    expect((await callThrough(anthropic, "anthropic/claude-3-5-sonnet-20241022", key)).sent).toEqual([
      "claude-3-5-sonnet-20241022",
    ]);
    expect((await callThrough(anthropic, `anthropic/${HAIKU}`, key)).res.status).toBe(401);
    const listed = ids(await key.get("/v1/models").expect(200));
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((id) => id.startsWith("anthropic/claude-3-5"))).toBe(true);
  });
});

describe("GET /v1/models with wildcard deployments", () => {
  it("lists model groups and the known models each wildcard serves, not the wildcard itself", async () => {
    const listed = ids(await proxy.get("/v1/models").expect(200));
    expect(listed[0]).toBe("gpt-4.1");
    expect(listed).toEqual(
      expect.arrayContaining(["openai/gpt-4o", "openai/gpt-4o-mini", "openai/o3", `anthropic/${HAIKU}`]),
    );
    expect(listed).not.toContain("openai/*");
    expect(listed).not.toContain("anthropic/*");
    expect(new Set(listed).size).toBe(listed.length);
    const haiku = (await proxy.get("/v1/models").expect(200)).body.data.find(
      (m: { id: string }) => m.id === `anthropic/${HAIKU}`,
    );
    expect(haiku).toEqual({ id: `anthropic/${HAIKU}`, object: "model", created: 1677610602, owned_by: "anthropic" });
  });

  it("adds the wildcard routes with return_wildcard_routes=true", async () => {
    const listed = ids(await proxy.get("/v1/models?return_wildcard_routes=true").expect(200));
    expect(listed).toEqual(expect.arrayContaining(["openai/*", "openai/gpt-4o*", "anthropic/*", `anthropic/${HAIKU}`]));
    expect(ids(await proxy.get("/models?return_wildcard_routes=True").expect(200))).toEqual(listed);
  });

  it("lists access groups with include_model_access_groups, and only them with only_model_access_groups too", async () => {
    const included = ids(await proxy.get("/v1/models?include_model_access_groups=true").expect(200));
    expect(included).toContain("claude-team");
    expect(included).toContain("gpt-4.1");
    expect(
      ids(await proxy.get("/v1/models?include_model_access_groups=true&only_model_access_groups=true").expect(200)),
    ).toEqual(["claude-team"]);
    // As in LiteLLM: access groups are only in the list when they are asked to be included.
    expect(ids(await proxy.get("/v1/models?only_model_access_groups=true").expect(200))).toEqual([]);
  });

  it("answers 400 naming a flag that is not a boolean", async () => {
    const res = await proxy.get("/v1/models?return_wildcard_routes=maybe").expect(400);
    expect(res.body.error.param).toBe("return_wildcard_routes");
  });

  it("retrieves a model a wildcard serves, and 404s one nothing serves", async () => {
    const res = await proxy.get("/v1/models/openai/gpt-4.1-mini").expect(200);
    expect(res.body).toEqual({ id: "openai/gpt-4.1-mini", object: "model", created: 1677610602, owned_by: "openai" });
    await proxy.get("/v1/models/mistral/mistral-large").expect(404);
  });
});

describe("GET /model_group/info with wildcard deployments", () => {
  it("expands anthropic/* into the provider's known models, each priced from the cost map", async () => {
    const data = (await proxy.get("/model_group/info").expect(200)).body.data as Array<Record<string, unknown>>;
    const names = data.map((g) => g.model_group);
    expect(names).not.toContain("anthropic/*");
    expect(names).not.toContain("openai/*");
    const haiku = data.find((g) => g.model_group === `anthropic/${HAIKU}`);
    expect(haiku).toMatchObject({ providers: ["anthropic"], mode: "chat", num_deployments: 1 });
    expect(haiku?.input_cost_per_token).toBeGreaterThan(0);
    expect(haiku?.max_input_tokens).toBeGreaterThan(0);
    const sonnet = data.find((g) => g.model_group === "anthropic/claude-3-5-sonnet-20241022");
    expect(sonnet?.input_cost_per_token).not.toBe(haiku?.input_cost_per_token);
  });

  it("answers for one expanded model, and for the wildcard group itself by name", async () => {
    const one = await proxy.get(`/model_group/info?model_group=anthropic/${HAIKU}`).expect(200);
    expect(one.body.data).toHaveLength(1);
    expect(one.body.data[0]).toMatchObject({ model_group: `anthropic/${HAIKU}`, providers: ["anthropic"] });
    const route = await proxy.get("/model_group/info?model_group=anthropic/*").expect(200);
    expect(route.body.data[0]).toMatchObject({
      model_group: "anthropic/*",
      providers: ["anthropic"],
      num_deployments: 1,
    });
    await proxy.get("/model_group/info?model_group=mistral/mistral-large").expect(404);
  });
});

describe("GET /v2/model/info?model=", () => {
  it("keeps only the deployments of that model group", async () => {
    const wildcard = await proxy.get("/v2/model/info?model=openai/*").expect(200);
    expect(wildcard.body.data.map((d: { model_info: { id: string } }) => d.model_info.id)).toEqual(["openai-any"]);
    expect(wildcard.body.total_count).toBe(1);
    const exact = await proxy.get("/v2/model/info?model=gpt-4.1").expect(200);
    expect(exact.body.data.map((d: { model_info: { id: string } }) => d.model_info.id)).toEqual(["exact-41"]);
    const none = await proxy.get("/v2/model/info?model=no-such-group").expect(200);
    expect(none.body).toMatchObject({ data: [], total_count: 0 });
  });

  it("applies the caller's allow-list first", async () => {
    const key = as(await newKey(["anthropic/*"]));
    const res = await key.get("/v2/model/info?model=openai/*").expect(200);
    expect(res.body.total_count).toBe(0);
  });
});
