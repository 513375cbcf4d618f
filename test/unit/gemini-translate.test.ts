import { describe, expect, it } from "@jest/globals";
import { createGeminiAdapter } from "../../src/proxy/providers/gemini.js";
import { geminiSchema, toGeminiEmbedRequest, toGeminiRequest } from "../../src/proxy/providers/gemini-request.js";
import { fromGeminiError, fromGeminiResponse } from "../../src/proxy/providers/gemini-response.js";
import { createGeminiStreamTranslator } from "../../src/proxy/providers/gemini-stream.js";
import { deploymentFromConfig } from "../../src/registry/deployment.js";

const weatherTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather for a city",
    parameters: {
      type: "object",
      properties: { city: { type: "string" }, additionalProperties: { type: "string" } },
      required: ["city"],
      additionalProperties: false,
    },
  },
};

function gemini(params: Record<string, unknown> = {}) {
  return deploymentFromConfig({
    id: "g1",
    modelName: "gem",
    litellmParams: { model: "gemini/gemini-2.0-flash", ...params },
    modelInfo: {},
    missingEnv: [],
  });
}

describe("toGeminiRequest", () => {
  it("moves system messages to systemInstruction and maps roles and sampling parameters", () => {
    const request = toGeminiRequest({
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello" },
        { role: "developer", content: [{ type: "text", text: "In French." }] },
        { role: "user", content: "Again" },
      ],
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 50,
      stop: "END",
      n: 2,
      seed: 7,
    });
    expect(request).toEqual({
      systemInstruction: { parts: [{ text: "Be brief." }, { text: "In French." }] },
      contents: [
        { role: "user", parts: [{ text: "Hi" }] },
        { role: "model", parts: [{ text: "Hello" }] },
        { role: "user", parts: [{ text: "Again" }] },
      ],
      generationConfig: {
        temperature: 0.2,
        topP: 0.9,
        maxOutputTokens: 50,
        stopSequences: ["END"],
        candidateCount: 2,
        seed: 7,
      },
    });
  });

  it("asks a conversation of system messages alone as the user's turn, since Gemini needs contents", () => {
    expect(toGeminiRequest({ messages: [{ role: "system", content: "Say hi." }] })).toEqual({
      contents: [{ role: "user", parts: [{ text: "Say hi." }] }],
    });
  });

  it("sends data: URL images as inlineData and other URLs as fileData", () => {
    const request = toGeminiRequest({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
            { type: "image_url", image_url: "https://example.com/cat.jpg" },
          ],
        },
      ],
    });
    expect(request.contents).toEqual([
      {
        role: "user",
        parts: [
          { text: "What is this?" },
          { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } },
          { fileData: { mimeType: "image/jpeg", fileUri: "https://example.com/cat.jpg" } },
        ],
      },
    ]);
  });

  it("declares tools without the schema keywords Gemini rejects, and maps tool_choice", () => {
    const request = toGeminiRequest({
      messages: [{ role: "user", content: "x" }],
      tools: [weatherTool],
      tool_choice: { type: "function", function: { name: "get_weather" } },
    });
    expect(request.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: "get_weather",
            description: "Weather for a city",
            parameters: {
              type: "object",
              // A property that happens to be called additionalProperties is a property, and stays.
              properties: { city: { type: "string" }, additionalProperties: { type: "string" } },
              required: ["city"],
            },
          },
        ],
      },
    ]);
    expect(request.toolConfig).toEqual({
      functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["get_weather"] },
    });
    expect(toGeminiRequest({ messages: [], tools: [weatherTool], tool_choice: "none" }).toolConfig).toEqual({
      functionCallingConfig: { mode: "NONE" },
    });
  });

  it("sends earlier tool calls as functionCall parts and their results as functionResponse, by function name", () => {
    const request = toGeminiRequest({
      messages: [
        { role: "user", content: "weather?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "c1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
            { id: "c2", type: "function", function: { name: "get_time", arguments: "" } },
          ],
        },
        { role: "tool", tool_call_id: "c1", content: "sunny" },
        { role: "tool", tool_call_id: "c2", content: [{ type: "text", text: "noon" }] },
      ],
    });
    expect(request.contents).toEqual([
      { role: "user", parts: [{ text: "weather?" }] },
      {
        role: "model",
        parts: [
          { functionCall: { name: "get_weather", args: { city: "Paris" } } },
          { functionCall: { name: "get_time", args: {} } },
        ],
      },
      {
        role: "user",
        parts: [
          { functionResponse: { name: "get_weather", response: { content: "sunny" } } },
          { functionResponse: { name: "get_time", response: { content: "noon" } } },
        ],
      },
    ]);
  });

  it("carries a thought signature from a tool call's id back to its functionCall part, as LiteLLM does", () => {
    const reply = fromGeminiResponse(
      {
        candidates: [
          {
            content: { parts: [{ functionCall: { name: "f", args: {} }, thoughtSignature: "c2lnbmF0dXJl" }] },
            finishReason: "STOP",
          },
        ],
      },
      "g",
    );
    const call = reply.choices[0]!.message.tool_calls![0]!;
    expect(call.id).toMatch(/^call_.+__thought__c2lnbmF0dXJl$/);
    const request = toGeminiRequest({
      messages: [
        { role: "user", content: "x" },
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: call.id, content: "done" },
      ],
    });
    expect(request.contents).toEqual([
      { role: "user", parts: [{ text: "x" }] },
      { role: "model", parts: [{ functionCall: { name: "f", args: {} }, thoughtSignature: "c2lnbmF0dXJl" }] },
      { role: "user", parts: [{ functionResponse: { name: "f", response: { content: "done" } } }] },
    ]);
  });

  it("maps response_format to responseMimeType and responseSchema", () => {
    expect(toGeminiRequest({ messages: [], response_format: { type: "json_object" } }).generationConfig).toEqual({
      responseMimeType: "application/json",
    });
    const schema = { type: "object", properties: { a: { type: "string" } }, additionalProperties: false };
    expect(
      toGeminiRequest({
        messages: [],
        response_format: { type: "json_schema", json_schema: { name: "x", schema, strict: true } },
      }).generationConfig,
    ).toEqual({ responseMimeType: "application/json", responseSchema: geminiSchema(schema) });
    expect(geminiSchema(schema)).toEqual({ type: "object", properties: { a: { type: "string" } } });
  });

  it("builds batchEmbedContents requests naming the model in each", () => {
    expect(toGeminiEmbedRequest({ input: ["a", "b"], dimensions: 3 }, "text-embedding-004")).toEqual({
      requests: [
        { model: "models/text-embedding-004", content: { parts: [{ text: "a" }] }, outputDimensionality: 3 },
        { model: "models/text-embedding-004", content: { parts: [{ text: "b" }] }, outputDimensionality: 3 },
      ],
    });
  });
});

describe("the Gemini adapter's requests", () => {
  it("calls generateContent, streamGenerateContent?alt=sse and batchEmbedContents with x-goog-api-key", () => {
    const adapter = createGeminiAdapter({ GEMINI_API_KEY: "g-env" });
    const chat = adapter.buildRequest("chat", { messages: [] }, gemini());
    expect(chat.url).toBe("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent");
    expect(chat.headers["x-goog-api-key"]).toBe("g-env");
    const stream = adapter.buildRequest("chat", { messages: [], stream: true }, gemini({ api_key: "g-own" }));
    expect(stream.url).toBe(
      "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse",
    );
    expect(stream.headers["x-goog-api-key"]).toBe("g-own");
    const embed = adapter.buildRequest("embeddings", { input: "x" }, gemini({ api_base: "http://fake:1/v1beta" }));
    expect(embed.url).toBe("http://fake:1/v1beta/models/gemini-2.0-flash:batchEmbedContents");
  });

  it("keeps a ?key= query on api_base ahead of the method's own query", () => {
    const adapter = createGeminiAdapter({});
    const request = adapter.buildRequest(
      "chat",
      { messages: [], stream: true },
      gemini({ api_base: "https://gw.example?key=k1" }),
    );
    expect(request.url).toBe("https://gw.example/v1beta/models/gemini-2.0-flash:streamGenerateContent?key=k1&alt=sse");
    expect(request.headers).not.toHaveProperty("x-goog-api-key");
  });

  it("refuses OpenAI parameters it cannot express, and token-id embedding inputs", () => {
    const adapter = createGeminiAdapter({});
    expect(adapter.unsupportedParams?.("chat", { logit_bias: { 1: 2 }, temperature: 1 })).toEqual(["logit_bias"]);
    expect(adapter.unsupportedParams?.("embeddings", { input: [1, 2, 3] })).toEqual(["input"]);
    expect(adapter.unsupportedParams?.("embeddings", { input: ["a"] })).toEqual([]);
  });
});

describe("fromGeminiResponse", () => {
  it("maps text, function calls, thoughts, finish reason and usage", () => {
    const response = fromGeminiResponse(
      {
        responseId: "r1",
        candidates: [
          {
            content: {
              role: "model",
              parts: [
                { text: "Let me think.", thought: true },
                { text: "Checking." },
                { functionCall: { name: "get_weather", args: { city: "Paris" } } },
              ],
            },
            finishReason: "STOP",
            index: 0,
          },
        ],
        usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, thoughtsTokenCount: 3, totalTokenCount: 18 },
      },
      "gem",
    );
    expect(response).toMatchObject({
      id: "chatcmpl-r1",
      object: "chat.completion",
      model: "gem",
      choices: [
        {
          index: 0,
          finish_reason: "tool_calls",
          message: {
            role: "assistant",
            content: "Checking.",
            reasoning_content: "Let me think.",
            tool_calls: [{ type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
          },
        },
      ],
      usage: { prompt_tokens: 10, completion_tokens: 8, total_tokens: 18 },
    });
    expect(response.choices[0]!.message.tool_calls![0]!.id).toMatch(/^call_/);
  });

  it("reads MAX_TOKENS as length, SAFETY as content_filter, and a blocked prompt as an empty filtered choice", () => {
    const finish = (reason: string) =>
      fromGeminiResponse({ candidates: [{ content: { parts: [{ text: "x" }] }, finishReason: reason }] }, "g")
        .choices[0]!.finish_reason;
    expect(finish("MAX_TOKENS")).toBe("length");
    expect(finish("SAFETY")).toBe("content_filter");
    expect(finish("SOMETHING_NEW")).toBe("stop");
    expect(fromGeminiResponse({ promptFeedback: { blockReason: "SAFETY" } }, "g").choices).toEqual([
      { index: 0, message: { role: "assistant", content: null }, finish_reason: "content_filter" },
    ]);
  });
});

describe("fromGeminiError", () => {
  it("keeps Google's message and status name, typed by the HTTP status", () => {
    const body = { error: { code: 429, message: "Resource has been exhausted", status: "RESOURCE_EXHAUSTED" } };
    expect(fromGeminiError(429, body)).toEqual({
      message: "Resource has been exhausted",
      type: "rate_limit_error",
      code: "RESOURCE_EXHAUSTED",
    });
    expect(fromGeminiError(503, undefined)).toEqual({
      message: "Gemini returned HTTP 503",
      type: "server_error",
      code: null,
    });
  });
});

describe("the Gemini stream translator", () => {
  const frame = (parts: object[], extra: object = {}) => ({
    candidates: [{ content: { role: "model", parts }, index: 0, ...extra }],
    usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 2, totalTokenCount: 12 },
  });

  it("turns frames into chunks, the role first, then the finish and the usage chunk", () => {
    const translator = createGeminiStreamTranslator({ model: "gem", id: "c1", created: 1, includeUsage: true });
    const first = translator.push(frame([{ text: "Hel" }]));
    expect(first).toEqual([
      {
        id: "c1",
        object: "chat.completion.chunk",
        created: 1,
        model: "gem",
        choices: [{ index: 0, delta: { role: "assistant", content: "Hel" }, finish_reason: null }],
        usage: null,
      },
    ]);
    const last = translator.push({
      ...frame([{ text: "lo" }], { finishReason: "STOP" }),
      usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
    });
    expect(last.map((c) => c.choices[0]?.finish_reason ?? null)).toEqual(["stop", null]);
    expect(last[1]).toMatchObject({ choices: [], usage: { prompt_tokens: 10, completion_tokens: 5 } });
    expect(translator.usage()).toEqual({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
  });

  it("streams function calls whole, indexed, and finishes with tool_calls", () => {
    const translator = createGeminiStreamTranslator({ model: "gem", id: "c1", created: 1, includeUsage: false });
    const chunks = translator.push(
      frame([{ functionCall: { name: "get_weather", args: { city: "Paris" } } }], { finishReason: "STOP" }),
    );
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.choices[0]).toMatchObject({
      delta: { tool_calls: [{ index: 0, type: "function", function: { name: "get_weather" } }] },
      finish_reason: "tool_calls",
    });
    expect(chunks[0]).not.toHaveProperty("usage");
  });

  it("finishes a blocked prompt with content_filter", () => {
    const translator = createGeminiStreamTranslator({ model: "gem", id: "c1", created: 1, includeUsage: false });
    const chunks = translator.push({ promptFeedback: { blockReason: "PROHIBITED_CONTENT" } });
    expect(chunks.map((c) => c.choices[0])).toEqual([
      { index: 0, delta: { role: "assistant", content: "" }, finish_reason: "content_filter" },
    ]);
  });

  it("throws an error frame with Google's words and the mapped fields", () => {
    const translator = createGeminiStreamTranslator({ model: "gem", id: "c1", created: 1, includeUsage: false });
    let thrown: unknown;
    try {
      translator.push({ error: { code: 503, message: "The model is overloaded.", status: "UNAVAILABLE" } });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toBe("The model is overloaded.");
    expect((thrown as Error).cause).toEqual({
      message: "The model is overloaded.",
      type: "server_error",
      code: "UNAVAILABLE",
    });
  });
});
