import type { UpstreamFailure } from "../../errors/api-error.js";
import type { Deployment } from "../../registry/deployment.js";
import {
  OPENAI_COMPATIBLE_NAMES,
  OPENAI_COMPATIBLE_PROVIDERS,
  type OpenAiCompatibleName,
  type OpenAiCompatibleProvider,
} from "../../registry/openai-compatible-providers.js";
import { maskSecret } from "../../registry/secret-fields.js";
import {
  describeOpenAiError,
  joinUrl,
  type ProviderAdapter,
  type ProxyOperation,
  requestHeaders,
  stringParam,
} from "../provider-adapter.js";
import { OPENAI_PATHS, openAiBody } from "./openai.js";

/** The environment a provider's default key and address are read from, at call time as LiteLLM reads them. */
export type ProviderEnv = Readonly<Record<string, string | undefined>>;

function envValue(env: ProviderEnv, name: string | undefined): string | undefined {
  const value = name === undefined ? undefined : env[name];
  return value !== undefined && value.trim() !== "" ? value : undefined;
}

/** The first of the provider's key variables that is set. */
export function envKey(env: ProviderEnv, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = envValue(env, name);
    if (value !== undefined) return value;
  }
  return undefined;
}

/**
 * An upstream's error text with the keys the provider's variables hold masked where it quotes them (`Incorrect API
 * key provided: gsk-...`): the proxy scrubs the deployment's own secrets, which a key from the environment is not.
 */
export function withoutEnvKeys(failure: UpstreamFailure, env: ProviderEnv, keyEnv: readonly string[]): UpstreamFailure {
  let { message } = failure;
  for (const name of keyEnv) {
    const key = envValue(env, name);
    if (key !== undefined && key.length >= 8) message = message.split(key).join(maskSecret(key));
  }
  return message === failure.message ? failure : { ...failure, message };
}

/**
 * The call's headers, with the key the deployment sets, else the first of the provider's variables that is set; the
 * deployment's extra headers win over both.
 */
export function keyedHeaders(
  deployment: Deployment,
  env: ProviderEnv,
  keyEnv: readonly string[],
  auth: (apiKey: string) => Record<string, string>,
): Record<string, string> {
  const headers = requestHeaders(deployment, auth);
  const fromEnv = stringParam(deployment, "api_key") === undefined ? envKey(env, keyEnv) : undefined;
  return fromEnv === undefined ? headers : { ...auth(fromEnv), ...headers };
}

/** `api_base` of the deployment, else the provider's variable, else its default; with its API path when it lacks it. */
function baseOf(spec: OpenAiCompatibleProvider, deployment: Deployment, env: ProviderEnv): string {
  const base = stringParam(deployment, "api_base") ?? envValue(env, spec.apiBaseEnv) ?? spec.apiBase;
  // REQUIRED_PARAMS refuses such a deployment where it is written or loaded; this is the last line of defence.
  if (base === undefined) throw new Error(`deployment ${deployment.id} has no api_base`);
  if (spec.apiPath === undefined) return base;
  const path = (base.split("?")[0] ?? "").replace(/\/+$/, "");
  return path.endsWith(spec.apiPath) ? base : joinUrl(base, spec.apiPath);
}

/** LiteLLM's exception name for an OpenAI-compatible provider: its name, first letter upper-cased (`GroqException`). */
function exceptionNameOf(name: string): string {
  return `${name.charAt(0).toUpperCase()}${name.slice(1)}Exception`;
}

/** One provider of the table: OpenAI's wire format relayed as it is, at the provider's address with its key. */
export function createOpenAiCompatibleAdapter(
  name: OpenAiCompatibleName,
  spec: OpenAiCompatibleProvider,
  env: ProviderEnv,
): ProviderAdapter {
  const ops = new Set<ProxyOperation>(["chat", ...spec.ops]);
  return {
    name,
    exceptionName: exceptionNameOf(name),
    passthrough: true,
    supports: (op) => ops.has(op),
    buildRequest(op, body, deployment) {
      const path = OPENAI_PATHS[op];
      if (path === undefined) throw new Error(`${name} adapter: no path for ${op}`);
      return {
        url: joinUrl(baseOf(spec, deployment, env), path),
        headers: keyedHeaders(deployment, env, spec.keyEnv, (key) => ({ authorization: `Bearer ${key}` })),
        body: openAiBody(body, deployment),
      };
    },
    describeError: (status, body) => withoutEnvKeys(describeOpenAiError(status, body), env, spec.keyEnv),
  };
}

/** An adapter for every provider of the table, keyed by its name. */
export function createOpenAiCompatibleAdapters(env: ProviderEnv): Record<OpenAiCompatibleName, ProviderAdapter> {
  const adapters = {} as Record<OpenAiCompatibleName, ProviderAdapter>;
  for (const name of OPENAI_COMPATIBLE_NAMES) {
    adapters[name] = createOpenAiCompatibleAdapter(name, OPENAI_COMPATIBLE_PROVIDERS[name], env);
  }
  return adapters;
}
