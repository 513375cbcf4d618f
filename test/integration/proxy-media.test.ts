import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import OpenAI, { toFile } from "openai";
import {
  FAKE_TRANSCRIPTION_SECONDS,
  type FakeOpenAiExtras,
  fakeSpeech,
  startFakeOpenAiExtras,
} from "../fakes/fake-openai-extras.js";
import { eventually } from "../helpers/eventually.js";
import { startReplica, TEST_MASTER_KEY, type TestReplica } from "../helpers/replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";

const OPENAI_KEY = "sk-openai-upstream-secret-0123456789";
const AZURE_KEY = "azure-upstream-secret-0123456789";

let db: TestDatabase;
let upstream: FakeOpenAiExtras;
let proxy: TestReplica;
let baseUrl: string;
let client: OpenAI;

/** Every byte value, so a transcoding or text decoding on the way would show. */
const AUDIO = Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 31) % 256));

beforeAll(async () => {
  db = await createTestDatabase();
  upstream = await startFakeOpenAiExtras();
  const openai = `api_base: "${upstream.url}/v1", api_key: os.environ/OPENAI_KEY`;
  const azure = `api_base: "${upstream.url}", api_key: os.environ/AZURE_KEY, api_version: 2024-10-21`;
  const configYaml = `
model_list:
  - model_name: img
    litellm_params: { model: openai/dall-e-3, ${openai} }
    model_info: { id: img-1, mode: image_generation, output_cost_per_image: 0.04 }
  - model_name: tts
    litellm_params: { model: openai/tts-1, ${openai} }
    model_info: { id: tts-1, mode: audio_speech, input_cost_per_character: 0.000015 }
  - model_name: whisper
    litellm_params: { model: openai/whisper-1, ${openai} }
    model_info: { id: whisper-1, mode: audio_transcription, input_cost_per_second: 0.0001 }
  - model_name: mod
    litellm_params: { model: openai/omni-moderation-latest, ${openai} }
    model_info: { mode: moderation }
  - model_name: azure-img
    litellm_params: { model: azure/my-dalle, ${azure} }
  - model_name: azure-whisper
    litellm_params: { model: azure/my-whisper, ${azure} }
  - model_name: azure-mod
    litellm_params: { model: azure/my-mod, ${azure} }
  - model_name: claude
    litellm_params: { model: anthropic/claude-3-5-sonnet-20241022, api_base: "${upstream.url}", api_key: sk-ant-unused }
general_settings:
  max_request_size_mb: 1
  proxy_batch_write_at: 0.05
`;
  proxy = await startReplica({ databaseUrl: db.url, configYaml, env: { OPENAI_KEY, AZURE_KEY } });
  baseUrl = await proxy.listen();
  client = new OpenAI({ apiKey: TEST_MASTER_KEY, baseURL: `${baseUrl}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await proxy?.close();
  await upstream?.close();
  await db?.drop();
});

describe("POST /v1/images/generations", () => {
  it("relays the images and prices them per image", async () => {
    const { data, response } = await client.images
      .generate({ model: "img", prompt: "a red fox", n: 2, size: "1024x1024" })
      .withResponse();
    expect(data.data?.map((image) => image.url)).toEqual([
      "https://images.example/0.png",
      "https://images.example/1.png",
    ]);
    expect(response.headers.get("x-litellm-model-id")).toBe("img-1");
    expect(Number(response.headers.get("x-litellm-response-cost"))).toBeCloseTo(0.08, 10);
    const sent = upstream.requests.at(-1)!;
    expect(sent.path).toBe("/v1/images/generations");
    expect(sent.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(sent.json).toEqual({ model: "dall-e-3", prompt: "a red fox", n: 2, size: "1024x1024" });
  });

  it("addresses an Azure deployment by its name and api-version", async () => {
    await client.images.generate({ model: "azure-img", prompt: "a fox" });
    const sent = upstream.requests.at(-1)!;
    expect(sent.path).toBe("/openai/deployments/my-dalle/images/generations?api-version=2024-10-21");
    expect(sent.headers["api-key"]).toBe(AZURE_KEY);
  });

  it("answers 400 naming prompt when it is missing, without calling the upstream", async () => {
    const before = upstream.requests.length;
    const res = await proxy.post("/v1/images/generations", { model: "img" });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ type: "invalid_request_error", param: "prompt" });
    expect(upstream.requests.length).toBe(before);
  });

  it("refuses mock_response, naming it, rather than answering as chat", async () => {
    const res = await proxy.post("/v1/images/generations", { model: "img", prompt: "x", mock_response: "hi" });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe("mock_response");
  });

  it("answers 400 unsupported_operation for a provider without image generation", async () => {
    const res = await proxy.post("/v1/images/generations", { model: "claude", prompt: "a fox" });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "unsupported_operation", param: "model" });
  });

  it("maps an upstream 500 to InternalServerError", async () => {
    upstream.failNext(500);
    const error = await client.images.generate({ model: "img", prompt: "x" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as Error).message).toContain("fake failure 500");
  });
});

describe("POST /v1/audio/speech", () => {
  it("streams the audio through byte for byte with its content type, priced per character", async () => {
    const input = "Hello from the proxy, ünïcödé included.";
    const response = await client.audio.speech.create({ model: "tts", input, voice: "alloy" });
    const audio = Buffer.from(await response.arrayBuffer());
    expect(audio.equals(fakeSpeech(input))).toBe(true);
    expect(response.headers.get("content-type")).toBe("audio/mpeg");
    expect(response.headers.get("x-litellm-model-id")).toBe("tts-1");
    expect(Number(response.headers.get("x-litellm-response-cost"))).toBeCloseTo([...input].length * 0.000015, 12);
    expect(upstream.requests.at(-1)!.json).toEqual({ model: "tts-1", input, voice: "alloy" });
  });

  it("keeps another format's content type", async () => {
    const response = await client.audio.speech.create({
      model: "tts",
      input: "wave",
      voice: "alloy",
      response_format: "wav",
    });
    expect(response.headers.get("content-type")).toBe("audio/wav");
    expect(Buffer.from(await response.arrayBuffer()).equals(fakeSpeech("wave"))).toBe(true);
  });

  it("answers 400 naming voice when it is missing", async () => {
    const res = await proxy.post("/v1/audio/speech", { model: "tts", input: "hi" });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe("voice");
  });

  it("maps an upstream 401 to AuthenticationError with the error envelope, not audio", async () => {
    upstream.failNext(401);
    const res = await proxy.post("/v1/audio/speech", { model: "tts", input: "hi", voice: "alloy" });
    expect(res.status).toBe(401);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.body.error.message).toContain("fake failure 401");
  });
});

describe("POST /v1/audio/transcriptions", () => {
  it("forwards the multipart upload with the deployment's model, the file intact, priced per second", async () => {
    const file = await toFile(AUDIO, "clip.mp3", { type: "audio/mpeg" });
    const { data, response } = await client.audio.transcriptions
      .create({ model: "whisper", file, language: "en" })
      .withResponse();
    expect(data.text).toBe(`transcript of clip.mp3 (${AUDIO.length} bytes)`);
    expect(response.headers.get("x-litellm-model-id")).toBe("whisper-1");
    expect(Number(response.headers.get("x-litellm-response-cost"))).toBeCloseTo(
      FAKE_TRANSCRIPTION_SECONDS * 0.0001,
      12,
    );
    const sent = upstream.requests.at(-1)!;
    expect(sent.path).toBe("/v1/audio/transcriptions");
    expect(sent.fields).toEqual({ model: "whisper-1", language: "en" });
    expect(sent.files?.file?.filename).toBe("clip.mp3");
    expect(sent.files?.file?.type).toBe("audio/mpeg");
    expect(sent.files?.file?.bytes.equals(AUDIO)).toBe(true);
  });

  it("relays a text response_format as text", async () => {
    const file = await toFile(AUDIO.subarray(0, 10), "short.wav", { type: "audio/wav" });
    const text = await client.audio.transcriptions.create({ model: "whisper", file, response_format: "text" });
    expect(text).toContain("transcript of short.wav (10 bytes)");
  });

  it("addresses an Azure deployment by its name", async () => {
    const file = await toFile(AUDIO.subarray(0, 100), "a.mp3");
    await client.audio.transcriptions.create({ model: "azure-whisper", file });
    const sent = upstream.requests.at(-1)!;
    expect(sent.path).toBe("/openai/deployments/my-whisper/audio/transcriptions?api-version=2024-10-21");
    expect(sent.fields?.model).toBe("my-whisper");
  });

  it("answers 400 naming file when the form has none, and when the body is not multipart", async () => {
    const form = new FormData();
    form.set("model", "whisper");
    const noFile = await fetch(`${baseUrl}/v1/audio/transcriptions`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_MASTER_KEY}` },
      body: form,
    });
    expect(noFile.status).toBe(400);
    expect(((await noFile.json()) as { error: { param: string } }).error.param).toBe("file");
    const json = await proxy.post("/v1/audio/transcriptions", { model: "whisper" });
    expect(json.status).toBe(400);
    expect(json.body.error.param).toBe("file");
  });

  it("answers 400 naming model when the form has none", async () => {
    const form = new FormData();
    form.set("file", new Blob([AUDIO.subarray(0, 10)]), "a.mp3");
    const res = await fetch(`${baseUrl}/v1/audio/transcriptions`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_MASTER_KEY}` },
      body: form,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe("model");
  });

  it("refuses an upload over max_request_size_mb with 413, without calling the upstream", async () => {
    const before = upstream.requests.length;
    const file = await toFile(Buffer.alloc(1024 * 1024 + 1), "big.mp3");
    const error = await client.audio.transcriptions.create({ model: "whisper", file }).catch((e: unknown) => e);
    expect((error as { status?: number }).status).toBe(413);
    expect(upstream.requests.length).toBe(before);
  });
});

describe("POST /v1/moderations", () => {
  it("relays the classification", async () => {
    const flagged = await client.moderations.create({ model: "mod", input: "I will kill the process" });
    expect(flagged.results[0]?.flagged).toBe(true);
    const clean = await client.moderations.create({ model: "mod", input: "hello" });
    expect(clean.results[0]?.flagged).toBe(false);
    expect(upstream.requests.at(-1)!.json).toEqual({ model: "omni-moderation-latest", input: "hello" });
  });

  it("answers 400 unsupported_operation for an Azure deployment (Azure has no moderation endpoint)", async () => {
    const res = await proxy.post("/v1/moderations", { model: "azure-mod", input: "x" });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("unsupported_operation");
  });
});

describe("keys, allow-lists and logs on the new routes", () => {
  it("needs a key, and holds a virtual key to its allow-list", async () => {
    const anonymous = await proxy.anonymous().post("/v1/moderations").send({ model: "mod", input: "x" });
    expect(anonymous.status).toBe(401);
    const generated = await proxy.post("/key/generate", { models: ["mod"] });
    expect(generated.status).toBe(200);
    const key = generated.body.key as string;
    const allowed = await proxy.withKey(key).post("/v1/moderations", { model: "mod", input: "x" });
    expect(allowed.status).toBe(200);
    const denied = await proxy.withKey(key).post("/v1/audio/speech", { model: "tts", input: "x", voice: "alloy" });
    expect(denied.status).toBe(401);
    expect(denied.body.error.type).toBe("key_model_access_denied");
  });

  it("records spend per image, per character and per second, with LiteLLM's call types", async () => {
    const generated = await proxy.post("/key/generate", { models: ["img", "tts", "whisper"] });
    const { key, token } = generated.body as { key: string; token: string };
    const keyed = new OpenAI({ apiKey: key, baseURL: client.baseURL, maxRetries: 0 });
    await keyed.images.generate({ model: "img", prompt: "x", n: 3 });
    await (await keyed.audio.speech.create({ model: "tts", input: "twelve chars", voice: "alloy" })).arrayBuffer();
    await keyed.audio.transcriptions.create({ model: "whisper", file: await toFile(AUDIO.subarray(0, 10), "a.mp3") });
    const rows = await eventually(async () => {
      const found = (await proxy.get(`/spend/logs?api_key=${token}`).expect(200)).body as Array<Record<string, any>>;
      expect(found).toHaveLength(3);
      return found;
    });
    const byType = Object.fromEntries(rows.map((row) => [row.call_type, row.spend as number]));
    expect(Object.keys(byType).sort()).toEqual(["aimage_generation", "aspeech", "atranscription"]);
    expect(byType.aimage_generation).toBeCloseTo(0.12, 10);
    expect(byType.aspeech).toBeCloseTo(12 * 0.000015, 12);
    expect(byType.atranscription).toBeCloseTo(FAKE_TRANSCRIPTION_SECONDS * 0.0001, 12);
  });

  it("logs one line per call under the route's pattern", async () => {
    const before = proxy.logLines.length;
    await proxy.post("/v1/images/generations", { model: "img", prompt: "x" }).expect(200);
    const lines = proxy.logLines
      .slice(before)
      .map((line) => JSON.parse(line))
      .filter((line) => line.req);
    expect(lines.map((line) => line.msg)).toEqual(["POST /v1/images/generations 200"]);
  });
});
