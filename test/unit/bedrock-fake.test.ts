import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { signBedrockRequest } from "../../src/proxy/providers/bedrock-auth.js";
import { type FakeBedrock, startFakeBedrock } from "../fakes/fake-bedrock.js";

// The fake must keep Bedrock's contract, or the integration tests prove nothing: these calls bypass the proxy.
const KEY_ID = "AKIAFAKETEST00000001";
const SECRET = "fake-test-secret-access-key-0123456789";
const TOKEN = "fake-test-session-token-0123456789";

let fake: FakeBedrock;
beforeAll(async () => {
  fake = await startFakeBedrock({ [KEY_ID]: { secretAccessKey: SECRET, sessionToken: TOKEN } });
});
afterAll(() => fake.close());

const body = JSON.stringify({ messages: [{ role: "user", content: [{ text: "hi" }] }] });

async function call(options: { secret?: string; token?: string; sent?: string; unsigned?: boolean } = {}) {
  const url = `${fake.url}/model/${encodeURIComponent("amazon.nova-lite-v1:0")}/converse`;
  const headers = { "content-type": "application/json" };
  const signed = options.unsigned
    ? headers
    : signBedrockRequest({
        url,
        headers,
        body,
        region: "us-east-1",
        credentials: { accessKeyId: KEY_ID, secretAccessKey: options.secret ?? SECRET, sessionToken: options.token },
      });
  const response = await fetch(url, { method: "POST", headers: signed, body: options.sent ?? body });
  return {
    status: response.status,
    errorType: response.headers.get("x-amzn-errortype")?.split(":")[0],
    json: (await response.json()) as Record<string, unknown>,
  };
}

describe("the fake Bedrock runtime", () => {
  it("answers a correctly signed call that carries the key's session token", async () => {
    const reply = await call({ token: TOKEN });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({
      output: { message: { content: [{ text: "echo: hi" }] } },
      stopReason: "end_turn",
    });
    expect(fake.requests.at(-1)).toMatchObject({ modelId: "amazon.nova-lite-v1:0", region: "us-east-1" });
  });

  it("refuses, as Bedrock does, an unsigned call, a missing session token, a wrong secret and a changed body", async () => {
    expect(await call({ unsigned: true })).toMatchObject({
      status: 403,
      errorType: "MissingAuthenticationTokenException",
      json: { message: "Missing Authentication Token" },
    });
    expect(await call()).toMatchObject({ status: 403, errorType: "UnrecognizedClientException" });
    expect(await call({ token: TOKEN, secret: "wrong-secret" })).toMatchObject({
      status: 403,
      errorType: "InvalidSignatureException",
    });
    const tampered = body.replace("hi", "ho");
    expect(await call({ token: TOKEN, sent: tampered })).toMatchObject({ errorType: "InvalidSignatureException" });
  });
});
