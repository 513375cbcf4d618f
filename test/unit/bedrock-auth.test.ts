import { describe, expect, it } from "@jest/globals";
import aws4 from "aws4";
import {
  awsCredentialsOf,
  awsRegionOf,
  bedrockEndpointOf,
  signBedrockRequest,
} from "../../src/proxy/providers/bedrock-auth.js";
import { createBedrockAdapter } from "../../src/proxy/providers/bedrock.js";
import { type Deployment, deploymentFromConfig } from "../../src/registry/deployment.js";

const MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0";

function deployment(params: Record<string, unknown> = {}): Deployment {
  return deploymentFromConfig({
    id: "d1",
    modelName: "claude",
    litellmParams: { model: `bedrock/${MODEL}`, ...params },
    modelInfo: {},
    missingEnv: [],
  });
}

const body = { model: "claude", messages: [{ role: "user", content: "hi" }] };

describe("region, endpoint and credentials", () => {
  it("takes the region from the params, the model ARN, then AWS_REGION_NAME, AWS_REGION, AWS_DEFAULT_REGION", () => {
    const env = { AWS_REGION_NAME: "eu-west-1", AWS_REGION: "eu-west-2", AWS_DEFAULT_REGION: "eu-west-3" };
    expect(awsRegionOf(deployment({ aws_region_name: "ap-south-1" }), env)).toBe("ap-south-1");
    const arn = deployment({ model: "bedrock/arn:aws:bedrock:ca-central-1:123:inference-profile/x" });
    expect(awsRegionOf(arn, env)).toBe("ca-central-1");
    expect(awsRegionOf(deployment(), env)).toBe("eu-west-1");
    expect(awsRegionOf(deployment(), { AWS_REGION: "eu-west-2", AWS_DEFAULT_REGION: "x" })).toBe("eu-west-2");
    expect(awsRegionOf(deployment(), { AWS_DEFAULT_REGION: "eu-west-3" })).toBe("eu-west-3");
    expect(awsRegionOf(deployment(), {})).toBe("us-west-2");
  });

  it("prefers api_base, then aws_bedrock_runtime_endpoint, then AWS_BEDROCK_RUNTIME_ENDPOINT, then the region's", () => {
    const env = { AWS_BEDROCK_RUNTIME_ENDPOINT: "https://env.example" };
    const both = deployment({ api_base: "https://base.example", aws_bedrock_runtime_endpoint: "https://rt.example" });
    expect(bedrockEndpointOf(both, env, "r")).toBe("https://base.example");
    expect(bedrockEndpointOf(deployment({ aws_bedrock_runtime_endpoint: "https://rt.example" }), env, "r")).toBe(
      "https://rt.example",
    );
    expect(bedrockEndpointOf(deployment(), env, "r")).toBe("https://env.example");
    expect(bedrockEndpointOf(deployment(), {}, "eu-west-1")).toBe("https://bedrock-runtime.eu-west-1.amazonaws.com");
  });

  it("uses the deployment's key pair with its session token, else the environment's, never a mix", () => {
    const env = { AWS_ACCESS_KEY_ID: "ENVKEY", AWS_SECRET_ACCESS_KEY: "envsecret", AWS_SESSION_TOKEN: "envtoken" };
    expect(
      awsCredentialsOf(
        deployment({ aws_access_key_id: "AKID", aws_secret_access_key: "secret", aws_session_token: "tok" }),
        env,
      ),
    ).toEqual({ accessKeyId: "AKID", secretAccessKey: "secret", sessionToken: "tok" });
    expect(awsCredentialsOf(deployment({ aws_access_key_id: "AKID" }), env)).toEqual({
      accessKeyId: "ENVKEY",
      secretAccessKey: "envsecret",
      sessionToken: "envtoken",
    });
    expect(awsCredentialsOf(deployment(), { AWS_ACCESS_KEY_ID: "ENVKEY" })).toBeUndefined();
  });
});

describe("signBedrockRequest", () => {
  const input = {
    url: `https://bedrock-runtime.us-east-1.amazonaws.com/model/${encodeURIComponent(MODEL)}/converse`,
    headers: { "content-type": "application/json" },
    body: '{"messages":[]}',
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
    now: new Date("2024-01-02T03:04:05Z"),
  };

  it("signs for the bedrock service and the region, over host, date, body and (when set) the session token", () => {
    const headers = signBedrockRequest({ ...input, credentials: { ...input.credentials, sessionToken: "TOKEN" } });
    expect(headers["x-amz-date"]).toBe("20240102T030405Z");
    expect(headers["x-amz-security-token"]).toBe("TOKEN");
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20240102\/us-east-1\/bedrock\/aws4_request, SignedHeaders=[a-z;-]*host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
    expect(JSON.stringify(headers)).not.toContain(input.credentials.secretAccessKey);
  });

  it("gives a signature that a verifier holding the secret recomputes, and that another secret does not", () => {
    const headers = signBedrockRequest(input);
    const verify = (secretAccessKey: string) => {
      const request = {
        host: "bedrock-runtime.us-east-1.amazonaws.com",
        path: new URL(input.url).pathname,
        service: "bedrock",
        region: "us-east-1",
        method: "POST",
        body: input.body,
        headers: { "content-type": headers["content-type"]!, "x-amz-date": headers["x-amz-date"]! },
      };
      return aws4.sign(request, { accessKeyId: "AKIDEXAMPLE", secretAccessKey }).headers?.Authorization;
    };
    expect(verify(input.credentials.secretAccessKey)).toBe(headers.authorization);
    expect(verify("another-secret")).not.toBe(headers.authorization);
  });
});

describe("the bedrock adapter's request", () => {
  const env = { AWS_ACCESS_KEY_ID: "ENVKEY", AWS_SECRET_ACCESS_KEY: "envsecret", AWS_REGION: "eu-central-1" };
  const adapter = createBedrockAdapter(() => env);

  it("percent-encodes the model id into the converse or converse-stream path and signs with the env's key", () => {
    const plain = adapter.buildRequest("chat", body, deployment());
    expect(plain.url).toBe(
      "https://bedrock-runtime.eu-central-1.amazonaws.com/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse",
    );
    expect(plain.headers.authorization).toContain("Credential=ENVKEY/");
    expect(JSON.parse(plain.body as string)).toEqual({ messages: [{ role: "user", content: [{ text: "hi" }] }] });
    const streamed = adapter.buildRequest("chat", { ...body, stream: true }, deployment({ api_base: "http://fake" }));
    expect(streamed.url).toBe("http://fake/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream");
  });

  it("sends a Bedrock API key as a bearer token instead of signing, and goes unsigned without any credentials", () => {
    const keyed = adapter.buildRequest("chat", body, deployment({ api_key: "bedrock-api-key-123" }));
    expect(keyed.headers.authorization).toBe("Bearer bedrock-api-key-123");
    expect(keyed.headers["x-amz-date"]).toBeUndefined();
    const bare = createBedrockAdapter(() => ({})).buildRequest("chat", body, deployment());
    expect(bare.headers.authorization).toBeUndefined();
  });

  it("supports chat and embeddings, not legacy completions, and refuses chat parameters Converse cannot express", () => {
    expect(adapter.supports("chat")).toBe(true);
    expect(adapter.supports("embeddings")).toBe(true);
    expect(adapter.supports("completions")).toBe(false);
    const titan = deployment({ model: "bedrock/amazon.titan-embed-text-v2:0" });
    expect(adapter.buildRequest("embeddings", { input: "x" }, titan).url).toBe(
      "https://bedrock-runtime.eu-central-1.amazonaws.com/model/amazon.titan-embed-text-v2%3A0/invoke",
    );
    expect(adapter.unsupportedParams?.("embeddings", { input: "x", user: "u", encoding_format: "base64" })).toEqual([]);
    expect(adapter.unsupportedParams?.("chat", { ...body, user: "u", n: 2, seed: 1, max_tokens: 5 })).toEqual([
      "n",
      "seed",
    ]);
  });
});
