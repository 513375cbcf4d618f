import { ApiError } from "../errors/api-error.js";
import type { Deployment } from "../registry/deployment.js";

/** Credentials a caller sent in the body (`api_key`, `api_base` or its alias `base_url`), as sent: unchecked. */
export interface ClientAuth {
  apiKey?: unknown;
  apiBase?: unknown;
}

/** What one deployment's `configurable_clientside_auth_params` lets a caller set. */
interface Allowance {
  apiKey: boolean;
  /** `{api_base: "<regex>"}` entries; the whole URL must match one. */
  apiBases: RegExp[];
}

const NOTHING_ALLOWED: Allowance = { apiKey: false, apiBases: [] };
const MAX_API_KEY_LENGTH = 4096;
const MAX_API_BASE_LENGTH = 2048;
// A key travels in a header: printable ASCII only, so it cannot smuggle a line break.
const HEADER_SAFE = /^[\x21-\x7e]+$/;

/**
 * LiteLLM's per-deployment opt-in: `"api_key"` lets a caller bring its own key; `{"api_base": "<regex>"}` lets it
 * choose the address among those the regex matches (whole URL, http or https). A bare `"api_base"` (any address, in
 * LiteLLM) is not honoured: without a pattern it would let any caller point the proxy anywhere (SSRF).
 */
function allowanceOf(deployment: Deployment): Allowance {
  const entries = deployment.litellmParams.configurable_clientside_auth_params;
  if (!Array.isArray(entries) || entries.length === 0) return NOTHING_ALLOWED;
  const allowance: Allowance = { apiKey: false, apiBases: [] };
  for (const entry of entries as unknown[]) {
    if (entry === "api_key") allowance.apiKey = true;
    const pattern = (entry as { api_base?: unknown } | null)?.api_base;
    if (typeof pattern !== "string") continue;
    try {
      allowance.apiBases.push(new RegExp(`^(?:${pattern})$`));
    } catch {
      // A pattern that does not compile allows nothing.
    }
  }
  return allowance;
}

function checkedApiKey(value: unknown): string {
  if (typeof value !== "string" || value.length > MAX_API_KEY_LENGTH || !HEADER_SAFE.test(value))
    throw ApiError.badRequest("api_key must be a printable string without spaces", "api_key");
  return value;
}

function allowedApiBase(value: unknown, patterns: readonly RegExp[]): string | undefined {
  if (typeof value !== "string" || value.length > MAX_API_BASE_LENGTH) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
  return patterns.some((pattern) => pattern.test(value)) ? value : undefined;
}

/**
 * Applies a caller's credentials to a deployment where the deployment opted in; anything it did not allow is dropped
 * as before, so without the opt-in a caller never changes where or how the upstream is called. Allowances are
 * compiled once per deployment object (deployments are replaced, never edited).
 */
export function createClientAuth() {
  const allowances = new WeakMap<Deployment, Allowance>();
  return function withClientAuth(deployment: Deployment, auth: ClientAuth | undefined): Deployment {
    if (!auth) return deployment;
    let allowance = allowances.get(deployment);
    if (!allowance) {
      allowance = allowanceOf(deployment);
      allowances.set(deployment, allowance);
    }
    const overrides: Record<string, string> = {};
    if (auth.apiKey !== undefined && allowance.apiKey) overrides.api_key = checkedApiKey(auth.apiKey);
    if (auth.apiBase !== undefined && allowance.apiBases.length > 0) {
      const base = allowedApiBase(auth.apiBase, allowance.apiBases);
      if (base === undefined)
        throw ApiError.badRequest("api_base is not one this model allows callers to choose", "api_base");
      overrides.api_base = base;
    }
    if (Object.keys(overrides).length === 0) return deployment;
    return { ...deployment, litellmParams: { ...deployment.litellmParams, ...overrides } };
  };
}
