import { z } from "zod";
import { apiErrorFromZod } from "../errors/zod-error.js";
import type { ClientAuth } from "./clientside-auth.js";

/**
 * LiteLLM's request parameters: the proxy acts on them (or keeps them for its own records) and never forwards them,
 * so a provider does not reject a call for fields it has never heard of. Credentials and addresses a caller sends
 * (`api_key`, `api_base`, ...) are dropped too: a call never changes where or how an upstream is reached.
 */
const PROXY_ONLY_FIELDS: readonly string[] = [
  "mock_response",
  "mock_testing_fallbacks",
  "mock_testing_rate_limit_error",
  "mock_testing_content_policy_fallbacks",
  "mock_testing_context_window_fallbacks",
  "mock_timeout",
  "fallbacks",
  "context_window_fallbacks",
  "content_policy_fallbacks",
  "num_retries",
  "max_retries",
  "timeout",
  "request_timeout",
  "stream_timeout",
  "metadata",
  "litellm_metadata",
  "tags",
  "caching",
  "cache",
  "no-log",
  "drop_params",
  "additional_drop_params",
  "api_key",
  "api_base",
  "base_url",
  "api_version",
  "custom_llm_provider",
  "extra_headers",
  "litellm_logging_obj",
  "proxy_server_request",
  "user_api_key",
];

const PROXY_ONLY = new Set(PROXY_ONLY_FIELDS);

const nonNegativeCount = z.number().int().min(0).max(10);
const seconds = z.union([
  z.number().positive(),
  z
    .string()
    .regex(/^\d+(\.\d+)?$/)
    .transform(Number),
]);
const fallbackEntry = z.union([
  z.string().min(1),
  z.looseObject({ model: z.string().min(1) }).transform((entry) => entry.model),
]);

const callOptionsSchema = z.object({
  mock_response: z.unknown().optional(),
  mock_testing_fallbacks: z.boolean().nullish(),
  mock_testing_rate_limit_error: z.boolean().nullish(),
  fallbacks: z.array(fallbackEntry).max(20).nullish(),
  num_retries: nonNegativeCount.nullish(),
  timeout: seconds.nullish(),
  request_timeout: seconds.nullish(),
  drop_params: z.boolean().nullish(),
});

/** What a caller asked of the proxy itself for one call. */
export interface CallOptions {
  /** LiteLLM's `mock_response`: answer with this instead of calling the upstream. */
  mockResponse?: unknown;
  /** LiteLLM's `mock_testing_fallbacks`: the requested group fails, so its fallbacks are tried. */
  mockFallbacks: boolean;
  /** LiteLLM's `mock_testing_rate_limit_error`: every deployment of the requested group answers 429. */
  mockRateLimit: boolean;
  /** Replaces the configured fallbacks of the requested group. */
  fallbacks?: readonly string[];
  numRetries?: number;
  timeoutMs?: number;
  dropParams?: boolean;
  /** Credentials the caller sent; used only where the deployment opts in (`configurable_clientside_auth_params`). */
  clientAuth?: ClientAuth;
}

const NO_CALL_OPTIONS: CallOptions = { mockFallbacks: false, mockRateLimit: false };

export interface SplitBody {
  /** What goes to the provider: the caller's body without the proxy-only fields. */
  upstreamBody: Record<string, unknown>;
  options: CallOptions;
}

/**
 * Separates the proxy's parameters from the provider's, and leaves out top-level nulls (LiteLLM's clients send them
 * for what they do not set; LiteLLM never forwards them). Most calls carry neither, and then the body is returned as
 * it is, without a copy (this runs on every call). A bad value is a 400 naming the field.
 */
export function splitCallOptions(body: Record<string, unknown>): SplitBody {
  // Walks the body's own few keys rather than probing for each of the proxy's many fields.
  let present = false;
  for (const key in body) {
    if (PROXY_ONLY.has(key) || body[key] === null) {
      present = true;
      break;
    }
  }
  if (!present) return { upstreamBody: body, options: NO_CALL_OPTIONS };
  const upstreamBody: Record<string, unknown> = {};
  const proxyFields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (PROXY_ONLY.has(key)) proxyFields[key] = value;
    else if (value !== null) upstreamBody[key] = value; // null is "not given", as LiteLLM sends nothing for None
  }
  const parsed = callOptionsSchema.safeParse(proxyFields);
  if (!parsed.success) throw apiErrorFromZod(parsed.error, proxyFields);
  const raw = parsed.data;
  const timeout = raw.timeout ?? raw.request_timeout ?? undefined;
  return {
    upstreamBody,
    options: {
      mockResponse: raw.mock_response ?? undefined,
      mockFallbacks: raw.mock_testing_fallbacks === true,
      mockRateLimit: raw.mock_testing_rate_limit_error === true,
      fallbacks: raw.fallbacks ?? undefined,
      numRetries: raw.num_retries ?? undefined,
      timeoutMs: timeout === undefined ? undefined : timeout * 1000,
      dropParams: raw.drop_params ?? undefined,
      clientAuth: clientAuthOf(proxyFields),
    },
  };
}

/** Kept aside, unchecked: they are looked at only for a deployment that allows them (see clientside-auth.ts). */
function clientAuthOf(fields: Record<string, unknown>): ClientAuth | undefined {
  const apiKey = fields.api_key ?? undefined;
  const apiBase = fields.api_base ?? fields.base_url ?? undefined;
  return apiKey === undefined && apiBase === undefined ? undefined : { apiKey, apiBase };
}
