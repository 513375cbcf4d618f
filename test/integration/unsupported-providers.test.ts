import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import OpenAI from "openai";
import { startFakeOpenAI } from "../fakes/fake-openai.js";
import type { FakeUpstream } from "../fakes/fake-upstream-common.js";
import { runCli, startChildReplica } from "../helpers/child-replica.js";
import { type ProxyFixture, startProxyFixture } from "../helpers/proxy-fixture.js";
import { TEST_MASTER_KEY, type TestReplica } from "../helpers/replica.js";

// A LiteLLM config naming providers Switchboard has no adapter for yet: it must start, list them, and answer a
// clear 400 for calls to them, while callable deployments (even in the same group) keep serving.

let fixture: ProxyFixture;
let upstream: FakeUpstream;
let proxy: TestReplica;

beforeAll(async () => {
  const configYaml = (url: string) => `
model_list:
  - model_name: gemini
    litellm_params: { model: vertex_ai/gemini-pro, vertex_project: my-project, vertex_location: us-central1 }
    model_info: { id: gemini-vertex }
  - model_name: mixed
    litellm_params: { model: sagemaker_chat/my-endpoint, aws_region_name: us-east-1 }
    model_info: { id: mixed-sagemaker }
  - model_name: mixed
    litellm_params: { model: openai/mixed-ok, api_base: "${url}/v1", api_key: sk-x }
    model_info: { id: mixed-openai }
  - model_name: llama
    litellm_params: { model: sagemaker/jumpstart-dft-meta-textgeneration-llama-2-7b }
  - model_name: primary
    litellm_params: { model: sagemaker/jumpstart-llama }
  - model_name: backup
    litellm_params: { model: openai/backup-ok, api_base: "${url}/v1", api_key: sk-x }
router_settings:
  fallbacks: [{ primary: [backup] }]
`;
  fixture = await startProxyFixture({ fake: startFakeOpenAI, configYaml });
  ({ upstream, proxy } = fixture);
});

afterAll(() => fixture.close());

function chat(model: string) {
  return proxy.post("/v1/chat/completions", { model, messages: [{ role: "user", content: "hi" }] });
}

describe("deployments of LiteLLM providers Switchboard cannot call yet", () => {
  it("are loaded and listed on /v1/models, /model/info and /model_group/info, marked not callable", async () => {
    const models = (await proxy.get("/v1/models").expect(200)).body.data.map((m: { id: string }) => m.id);
    expect(models).toEqual(expect.arrayContaining(["gemini", "mixed", "llama", "primary", "backup"]));
    const info = (await proxy.get("/model/info?litellm_model_id=gemini-vertex").expect(200)).body.data[0];
    expect(info).toMatchObject({
      model_name: "gemini",
      litellm_params: { model: "vertex_ai/gemini-pro", vertex_project: "my-project" },
      model_info: {
        id: "gemini-vertex",
        db_model: false,
        callable: false,
        not_callable_reason: expect.stringContaining(
          'Switchboard cannot call provider "vertex_ai" yet (callable providers: openai, azure, anthropic,',
        ),
      },
    });
    const groups = (await proxy.get("/model_group/info?model_group=mixed").expect(200)).body.data;
    expect(groups[0].providers).toEqual(["sagemaker_chat", "openai"]);
    expect(groups[0].num_deployments).toBe(2);
  });

  it("answers a call with 400 unsupported_provider naming the provider and the model, without calling anything", async () => {
    const before = upstream.requests.length;
    const res = await chat("gemini").expect(400);
    expect(res.body).toEqual({
      error: {
        message: expect.stringContaining('Switchboard cannot call provider "vertex_ai" yet'),
        type: "invalid_request_error",
        param: "model",
        code: "unsupported_provider",
      },
    });
    expect(res.body.error.message).toContain("Model 'gemini' (vertex_ai/gemini-pro) cannot be called");
    expect(
      (await proxy.post("/v1/embeddings", { model: "llama", input: "x" }).expect(400)).body.error.message,
    ).toContain('"sagemaker"');
    expect(upstream.requests.length).toBe(before);
  });

  it("routes a group's calls to its callable deployment every time, without spending a retry", async () => {
    for (let i = 0; i < 20; i++) {
      const res = await chat("mixed").expect(200);
      expect(res.headers["x-litellm-model-id"]).toBe("mixed-openai");
    }
  });

  it("lets a configured fallback group answer instead", async () => {
    const res = await chat("primary").expect(200);
    expect(res.headers["x-litellm-model-id"]).not.toBe(undefined);
    expect(upstream.requests.at(-1)?.body?.model).toBe("backup-ok");
  });

  it("is a BadRequestError for the official OpenAI client", async () => {
    const client = new OpenAI({ apiKey: TEST_MASTER_KEY, baseURL: `${await proxy.listen()}/v1`, maxRetries: 0 });
    const error = await client.chat.completions
      .create({ model: "gemini", messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe("unsupported_provider");
  });
});

describe("the CLI with such a config", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sb-providers-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("starts, logging a warning that names each deployment it cannot call", async () => {
    const configPath = join(dir, "litellm.yaml");
    await writeFile(
      configPath,
      "model_list:\n  - model_name: gemini\n    litellm_params: { model: vertex_ai/gemini-pro }\n  - model_name: gpt\n    litellm_params: { model: gpt-4o }\n",
    );
    const replica = await startChildReplica(["--config", configPath, "--port", "0"], {
      DATABASE_URL: fixture.db.url,
      MASTER_KEY: "sk-providers-master-123456",
    });
    try {
      const res = await fetch(`http://127.0.0.1:${replica.port}/v1/models`, {
        headers: { Authorization: "Bearer sk-providers-master-123456" },
      });
      expect(((await res.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id)).toEqual(["gemini", "gpt"]);
      expect(replica.output()).toContain(
        'model_list[0].litellm_params.model: Switchboard cannot call provider \\"vertex_ai\\" yet',
      );
    } finally {
      expect(await replica.stop("SIGTERM")).toBe(0);
    }
  });

  it("refuses to start on a name that is not a LiteLLM provider, suggesting the closest", async () => {
    const configPath = join(dir, "typo.yaml");
    await writeFile(configPath, "model_list:\n  - model_name: gpt\n    litellm_params: { model: opnai/gpt-4o }\n");
    const result = await runCli(["--config", configPath], { MASTER_KEY: "sk-x", DATABASE_URL: fixture.db.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'model_list[0].litellm_params.model: Unsupported provider "opnai" in model "opnai/gpt-4o": it is not a LiteLLM provider. Did you mean "openai"?',
    );
  });
});
