// Where a Bedrock call goes and how it is authenticated: region, endpoint and AWS credentials are read from the
// deployment's litellm_params first and from the process environment second, in LiteLLM's order, and the request is
// signed with SigV4 by the aws4 library. Secrets found here only ever reach the signer, never a message.
import aws4 from "aws4";
import type { Deployment } from "../../registry/deployment.js";
import { stringParam } from "../provider-adapter.js";

/** The environment variables LiteLLM (and boto3 under it) reads for Bedrock; injected so tests need no globals. */
export type AwsEnvironment = Readonly<Record<string, string | undefined>>;

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** LiteLLM's fallback when neither the deployment nor the environment names a region. */
export const DEFAULT_AWS_REGION = "us-west-2";

function envValue(env: AwsEnvironment, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === "" ? undefined : value;
}

/** `arn:aws:bedrock:eu-west-1:123:inference-profile/...` names its own region, as LiteLLM reads it. */
function regionOfArn(modelId: string): string | undefined {
  if (!modelId.startsWith("arn:")) return undefined;
  const region = modelId.split(":")[3];
  return region === undefined || region === "" ? undefined : region;
}

/** aws_region_name, the model ARN's region, AWS_REGION_NAME, AWS_REGION, AWS_DEFAULT_REGION, then us-west-2. */
export function awsRegionOf(deployment: Deployment, env: AwsEnvironment): string {
  return (
    stringParam(deployment, "aws_region_name") ??
    regionOfArn(deployment.upstreamModel) ??
    envValue(env, "AWS_REGION_NAME") ??
    envValue(env, "AWS_REGION") ??
    envValue(env, "AWS_DEFAULT_REGION") ??
    DEFAULT_AWS_REGION
  );
}

/** api_base wins over aws_bedrock_runtime_endpoint, which wins over AWS_BEDROCK_RUNTIME_ENDPOINT (LiteLLM's order). */
export function bedrockEndpointOf(deployment: Deployment, env: AwsEnvironment, region: string): string {
  return (
    stringParam(deployment, "api_base") ??
    stringParam(deployment, "aws_bedrock_runtime_endpoint") ??
    envValue(env, "AWS_BEDROCK_RUNTIME_ENDPOINT") ??
    `https://bedrock-runtime.${region}.amazonaws.com`
  );
}

/**
 * A key pair from the deployment when it sets one (its session token with it), else from the environment. The two
 * sources are never mixed: a deployment's key id signed with the environment's secret could only fail.
 */
export function awsCredentialsOf(deployment: Deployment, env: AwsEnvironment): AwsCredentials | undefined {
  const accessKeyId = stringParam(deployment, "aws_access_key_id");
  const secretAccessKey = stringParam(deployment, "aws_secret_access_key");
  if (accessKeyId !== undefined && secretAccessKey !== undefined) {
    const sessionToken = stringParam(deployment, "aws_session_token");
    return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  }
  const envKeyId = envValue(env, "AWS_ACCESS_KEY_ID");
  const envSecret = envValue(env, "AWS_SECRET_ACCESS_KEY");
  if (envKeyId === undefined || envSecret === undefined) return undefined;
  const envToken = envValue(env, "AWS_SESSION_TOKEN");
  return { accessKeyId: envKeyId, secretAccessKey: envSecret, ...(envToken ? { sessionToken: envToken } : {}) };
}

export interface SigningInput {
  url: string;
  headers: Record<string, string>;
  body: string;
  region: string;
  credentials: AwsCredentials;
  /** For tests: the signing time (aws4 reads it from the x-amz-date header). */
  now?: Date;
}

/** `20240101T000000Z`, SigV4's timestamp. */
export function amzDate(date: Date): string {
  return date.toISOString().replace(/[:-]|\.\d{3}/g, "");
}

/**
 * SigV4 for the `bedrock` service. The path is signed as sent (already URL-encoded, `:` as %3A); aws4 encodes it
 * once more for the canonical request, as AWS does for every service but S3. Returns lower-case header names.
 */
export function signBedrockRequest(input: SigningInput): Record<string, string> {
  const url = new URL(input.url);
  const request = {
    host: url.host,
    path: url.pathname + url.search,
    method: "POST",
    service: "bedrock",
    region: input.region,
    body: input.body,
    headers: { ...input.headers, "x-amz-date": amzDate(input.now ?? new Date()) } as Record<string, string | number>,
  };
  aws4.sign(request, input.credentials);
  const signed: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) signed[name.toLowerCase()] = String(value);
  return signed;
}
