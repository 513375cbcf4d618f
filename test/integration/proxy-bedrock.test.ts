import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import OpenAI from "openai";
import {
  FAKE_TITAN_EMBEDDING,
  FAKE_TITAN_TOKENS,
  FAKE_TOOL_INPUT,
  type FakeBedrock,
  startFakeBedrock,
} from "../fakes/fake-bedrock.js";
import { registerEnvSecrets } from "../helpers/leak-watch.js";
import { startReplica, TEST_MASTER_KEY, type TestReplica } from "../helpers/replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";
import { drainChatStream } from "../helpers/chat-stream.js";

const CLAUDE = "anthropic.claude-3-5-sonnet-20240620-v1:0";
const NOVA = "amazon.nova-lite-v1:0";
const PARAM_KEY_ID = "AKIAPARAMS0000000001";
const PARAM_SECRET_KEY = "param-secret-access-key-0123456789abcdef";
const SESSION_TOKEN_KEY = "session-token-for-the-param-key-0123456789";
const ENV_KEY_ID = "AKIAENVIRONMENT00001";
const ENV_SECRET = "env-secret-access-key-0123456789abcdefgh";
const AWS_ENV = { AWS_ACCESS_KEY_ID: ENV_KEY_ID, AWS_SECRET_ACCESS_KEY: ENV_SECRET, AWS_REGION: "eu-central-1" };

let db: TestDatabase;
let bedrock: FakeBedrock;
let proxy: TestReplica;
let client: OpenAI;
const savedEnv: Record<string, string | undefined> = {};

const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

function configYaml(url: string): string {
  const keyed = `aws_access_key_id: ${PARAM_KEY_ID}, aws_secret_access_key: os.environ/PARAM_SECRET_KEY, aws_session_token: os.environ/SESSION_TOKEN_KEY`;
  return `
model_list:
  - model_name: claude
    litellm_params: { model: bedrock/${CLAUDE}, aws_bedrock_runtime_endpoint: "${url}", aws_region_name: eu-west-1, ${keyed} }
    model_info: { id: claude-1 }
  - model_name: nova-env
    litellm_params: { model: bedrock/${NOVA}, api_base: "${url}" }
    model_info: { id: nova-env-1 }
  - model_name: wrong-secret
    litellm_params: { model: bedrock/${NOVA}, api_base: "${url}", aws_access_key_id: ${PARAM_KEY_ID}, aws_secret_access_key: not-the-right-secret-0123456789, aws_session_token: os.environ/SESSION_TOKEN_KEY }
  - model_name: throttled
    litellm_params: { model: bedrock/throttled-model, api_base: "${url}", ${keyed} }
  - model_name: flaky
    litellm_params: { model: bedrock/flaky-a, api_base: "${url}", ${keyed} }
    model_info: { id: flaky-a }
  - model_name: flaky
    litellm_params: { model: bedrock/flaky-b, api_base: "${url}", ${keyed} }
    model_info: { id: flaky-b }
  - model_name: titan
    litellm_params: { model: bedrock/amazon.titan-embed-text-v2:0, api_base: "${url}", ${keyed} }
  - model_name: broken
    litellm_params: { model: bedrock/always-500, api_base: "${url}", ${keyed} }
router_settings:
  num_retries: 1
  allowed_fails: 0
  cooldown_time: 30
  fallbacks: [{ broken: [claude] }]
`;
}

beforeAll(async () => {
  for (const [name, value] of Object.entries(AWS_ENV)) {
    savedEnv[name] = process.env[name];
    process.env[name] = value;
  }
  registerEnvSecrets({ AWS_SECRET_ACCESS_KEY: ENV_SECRET });
  db = await createTestDatabase();
  bedrock = await startFakeBedrock({
    [PARAM_KEY_ID]: { secretAccessKey: PARAM_SECRET_KEY, sessionToken: SESSION_TOKEN_KEY },
    [ENV_KEY_ID]: { secretAccessKey: ENV_SECRET },
  });
  proxy = await startReplica({
    databaseUrl: db.url,
    configYaml: configYaml(bedrock.url),
    env: { PARAM_SECRET_KEY, SESSION_TOKEN_KEY },
  });
  client = new OpenAI({ apiKey: TEST_MASTER_KEY, baseURL: `${await proxy.listen()}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await proxy?.close();
  await bedrock?.close();
  await db?.drop();
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe("bedrock/ deployments behind chat completions", () => {
  it("translate a plain call both ways, signed with the deployment's key and session token", async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: "claude",
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "bonjour" },
        ],
        max_tokens: 100,
        temperature: 0.2,
      })
      .withResponse();
    expect(data).toMatchObject({ object: "chat.completion", model: "claude" });
    expect(data.choices[0]).toMatchObject({
      message: { role: "assistant", content: "echo: bonjour" },
      finish_reason: "stop",
    });
    expect(data.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
    expect(response.headers.get("x-litellm-model-id")).toBe("claude-1");
    expect(Number(response.headers.get("x-litellm-response-cost"))).toBeGreaterThan(0);

    const sent = bedrock.requests.at(-1)!;
    expect(sent.path).toBe("/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse");
    expect(sent.modelId).toBe(CLAUDE);
    expect(sent.region).toBe("eu-west-1");
    expect(sent.headers["x-amz-security-token"]).toBe(SESSION_TOKEN_KEY);
    expect(sent.headers.authorization).toContain(`Credential=${PARAM_KEY_ID}/`);
    expect(sent.body).toEqual({
      messages: [{ role: "user", content: [{ text: "bonjour" }] }],
      system: [{ text: "Be brief." }],
      inferenceConfig: { maxTokens: 100, temperature: 0.2 },
    });
  });

  it("streams the binary event stream as OpenAI chunks ending in a usage chunk and [DONE]", async () => {
    const stream = await client.chat.completions.create({
      model: "claude",
      messages: [{ role: "user", content: "stream please" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const { text, finish, usage } = await drainChatStream(stream);
    expect(text).toBe("echo: stream please");
    expect(finish).toBe("stop");
    expect(usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
    expect(bedrock.requests.at(-1)!.path).toBe("/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream");
  });

  it("round-trips tool calls, plain and streamed", async () => {
    const first = await client.chat.completions.create({
      model: "claude",
      messages: [{ role: "user", content: "please use tool for the weather" }],
      tools: [weatherTool],
      tool_choice: "required",
    });
    const call = first.choices[0]!.message.tool_calls![0]!;
    if (call.type !== "function") throw new Error(`expected a function call, got ${call.type}`);
    expect(first.choices[0]!.finish_reason).toBe("tool_calls");
    expect(call).toMatchObject({ id: "tooluse_1", function: { name: "get_weather" } });
    expect(JSON.parse(call.function.arguments)).toEqual(FAKE_TOOL_INPUT);
    expect(bedrock.requests.at(-1)!.body.toolConfig).toMatchObject({ toolChoice: { any: {} } });

    const second = await client.chat.completions.create({
      model: "claude",
      messages: [
        { role: "user", content: "please use tool for the weather" },
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: call.id, content: "sunny" },
      ],
      tools: [weatherTool],
    });
    expect(second.choices[0]!.message.content).toBe("echo: ");
    expect(bedrock.requests.at(-1)!.body.messages[2]).toEqual({
      role: "user",
      content: [{ toolResult: { toolUseId: "tooluse_1", content: [{ text: "sunny" }] } }],
    });

    const stream = await client.chat.completions.create({
      model: "claude",
      messages: [{ role: "user", content: "use tool now" }],
      tools: [weatherTool],
      stream: true,
    });
    let args = "";
    let name: string | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta.tool_calls?.[0];
      name ??= delta?.function?.name;
      args += delta?.function?.arguments ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(name).toBe("get_weather");
    expect(JSON.parse(args)).toEqual(FAKE_TOOL_INPUT);
    expect(finish).toBe("tool_calls");
  });

  it("signs with the environment's credentials and region when the deployment sets none", async () => {
    const reply = await client.chat.completions.create({
      model: "nova-env",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(reply.choices[0]!.message.content).toBe("echo: hi");
    const sent = bedrock.requests.at(-1)!;
    expect(sent.headers.authorization).toContain(`Credential=${ENV_KEY_ID}/`);
    expect(sent.region).toBe("eu-central-1");
    expect(sent.headers["x-amz-security-token"]).toBeUndefined();
  });
});

describe("bedrock errors", () => {
  it("answers a wrong secret with Bedrock's 403, as OpenAI's PermissionDeniedError", async () => {
    const failure = await client.chat.completions
      .create({ model: "wrong-secret", messages: [{ role: "user", content: "hi" }] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((failure as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
      message: expect.stringContaining("BedrockException - The request signature we calculated does not match"),
      type: "permission_error",
    });
  });

  it("maps ThrottlingException to 429 and ValidationException to 400, naming Bedrock's message", async () => {
    bedrock.script("throttled-model", {
      kind: "error",
      status: 429,
      errorType: "ThrottlingException",
      message: "Too many requests, please wait before trying again.",
    });
    const throttled = await client.chat.completions
      .create({ model: "throttled", messages: [{ role: "user", content: "hi" }] })
      .catch((error: unknown) => error);
    expect(throttled).toBeInstanceOf(OpenAI.RateLimitError);
    expect((throttled as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
      type: "rate_limit_error",
      code: "ThrottlingException",
    });

    const invalid = await client.chat.completions
      .create({ model: "claude", messages: [{ role: "assistant", content: "I start" }] })
      .catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(OpenAI.BadRequestError);
    expect((invalid as InstanceType<typeof OpenAI.APIError>).message).toContain(
      "A conversation must start with a user message",
    );
  });

  it("turns an exception inside the stream, and a corrupt stream, into an error frame", async () => {
    bedrock.script(CLAUDE, { kind: "stream-exception", exceptionType: "throttlingException", message: "Slow down" }, 1);
    const read = async () => {
      const stream = await client.chat.completions.create({
        model: "claude",
        messages: [{ role: "user", content: "stream please" }],
        stream: true,
      });
      let text = "";
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
      return text;
    };
    await expect(read()).rejects.toThrow("Slow down");
    bedrock.script(CLAUDE, { kind: "corrupt-stream" }, 1);
    await expect(read()).rejects.toThrow("Bedrock sent an unreadable event stream");
  });

  it("retries a 5xx on the group's other deployment, and falls back to another group", async () => {
    // Whichever deployment the router picks first fails once; the retry must go to the other one.
    bedrock.script("*", { kind: "error", status: 500, errorType: "InternalServerException", message: "oops" }, 1);
    const { data, response } = await client.chat.completions
      .create({ model: "flaky", messages: [{ role: "user", content: "again" }] })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe("echo: again");
    const [failed, answered] = bedrock.requests.slice(-2).map((r) => r.modelId);
    expect(new Set([failed, answered])).toEqual(new Set(["flaky-a", "flaky-b"]));
    expect(response.headers.get("x-litellm-model-id")).toBe(answered);
    expect(response.headers.get("x-litellm-attempted-retries")).toBe("1");

    bedrock.script("always-500", {
      kind: "error",
      status: 503,
      errorType: "ServiceUnavailableException",
      message: "x",
    });
    const fallback = await client.chat.completions
      .create({ model: "broken", messages: [{ role: "user", content: "save me" }] })
      .withResponse();
    expect(fallback.data.choices[0]!.message.content).toBe("echo: save me");
    expect(fallback.response.headers.get("x-litellm-model-id")).toBe("claude-1");
  });

  it("refuses legacy completions with 400 unsupported_operation", async () => {
    const failure = await client.completions.create({ model: "claude", prompt: "x" }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect((failure as InstanceType<typeof OpenAI.APIError>).code).toBe("unsupported_operation");
  });
});

describe("bedrock embeddings (Titan text)", () => {
  it("embeds one text through InvokeModel, as floats or OpenAI's base64, with usage and cost", async () => {
    const { data, response } = await client.embeddings.create({ model: "titan", input: "hello world" }).withResponse();
    expect(Array.from(data.data[0]!.embedding)).toEqual([...FAKE_TITAN_EMBEDDING]);
    expect(data.usage).toEqual({ prompt_tokens: FAKE_TITAN_TOKENS, total_tokens: FAKE_TITAN_TOKENS });
    expect(Number(response.headers.get("x-litellm-response-cost"))).toBeGreaterThan(0);
    const sent = bedrock.requests.at(-1)!;
    expect(sent.path).toBe("/model/amazon.titan-embed-text-v2%3A0/invoke");
    expect(sent.body).toEqual({ inputText: "hello world" });

    const floats = await client.embeddings.create({
      model: "titan",
      input: ["one text"],
      dimensions: 8,
      encoding_format: "float",
    });
    expect(floats.data[0]!.embedding).toHaveLength(8);
    expect(bedrock.requests.at(-1)!.body).toEqual({ inputText: "one text", dimensions: 8 });
  });

  it("refuses several texts in one call, and a chat model, with a 400 naming the field", async () => {
    const calls = bedrock.requests.length;
    const several = await client.embeddings
      .create({ model: "titan", input: ["a", "b"] })
      .catch((error: unknown) => error);
    expect(several).toBeInstanceOf(OpenAI.BadRequestError);
    expect((several as InstanceType<typeof OpenAI.APIError>).param).toBe("input");
    const chatModel = await client.embeddings.create({ model: "claude", input: "x" }).catch((error: unknown) => error);
    expect(chatModel).toBeInstanceOf(OpenAI.BadRequestError);
    expect((chatModel as InstanceType<typeof OpenAI.APIError>).param).toBe("model");
    expect(bedrock.requests.length).toBe(calls);
  });
});

describe("bedrock health checks", () => {
  it("probes a bedrock deployment with a real signed call", async () => {
    const report = (await proxy.get("/health?model=claude").expect(200)).body as {
      healthy_endpoints: Array<{ model_id?: string }>;
      unhealthy_count: number;
    };
    expect(report.healthy_endpoints.map((e) => e.model_id)).toEqual(["claude-1"]);
    expect(report.unhealthy_count).toBe(0);
    expect(bedrock.requests.at(-1)!.modelId).toBe(CLAUDE);
  });
});

describe("bedrock secrets", () => {
  it("never shows the AWS secret or session token in model info or the log", async () => {
    const info = await proxy.get("/model/info").expect(200);
    const text = JSON.stringify(info.body);
    expect(text).toContain("aws_secret_access_key");
    for (const secret of [PARAM_SECRET_KEY, SESSION_TOKEN_KEY, ENV_SECRET]) {
      expect(text).not.toContain(secret);
      expect(proxy.logLines.join("\n")).not.toContain(secret);
    }
  });
});
