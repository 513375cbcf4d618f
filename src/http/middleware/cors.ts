import type { IncomingMessage, ServerResponse } from "node:http";
import type { CorsSettings } from "../../config/cors-settings.js";
import { ApiError } from "../../errors/api-error.js";
import { writeJsonText } from "../json-reply.js";

// Browsers call the proxy with a key in a header (Authorization, x-litellm-api-key, api-key), never with ambient
// credentials: no cookie, no HTTP auth. That is why any origin may be allowed by default, as LiteLLM does.
//
// THE COOKIE RULE. A cookie-based session (the admin page, a later issue) must never be honoured on a cross-origin
// request: whoever adds one authenticates by cookie only when the request carries no Origin header or the Origin is
// this proxy's own, and keeps `access-control-allow-credentials` off for every other origin. With credentials
// allowed for "*" any web page could act with a logged-in admin's cookie; corsSettings() refuses that combination
// and this module never sends credentials beside "*".

const ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
/** Always allowed; others a preflight asks for are allowed too (LiteLLM allows every header), when well formed. */
const BASE_HEADERS =
  "authorization, content-type, x-litellm-api-key, api-key, x-request-id, openai-organization, openai-project, openai-beta";
/** What a browser script may read of a reply: the request id and LiteLLM's x-litellm-* headers. */
const EXPOSED_HEADERS =
  "x-request-id, x-litellm-call-id, x-litellm-model-id, x-litellm-model-group, x-litellm-attempted-retries, " +
  "x-litellm-attempted-fallbacks, x-litellm-overhead-duration-ms, x-litellm-response-cost, retry-after, " +
  "x-ratelimit-remaining-requests, x-ratelimit-remaining-tokens, x-ratelimit-limit-requests, x-ratelimit-limit-tokens";
/** A comma-separated list of header names (RFC 9110 tokens), bounded. */
const HEADER_LIST = /^[\w!#$%&'*+.^`|~-]+(?:\s*,\s*[\w!#$%&'*+.^`|~-]+)*$/;
const MAX_REQUESTED_HEADERS_LENGTH = 2048;
/** How long a browser may reuse a preflight's answer, in seconds. */
const PREFLIGHT_MAX_AGE = "600";

function requestedHeaders(req: IncomingMessage): string | undefined {
  const asked = req.headers["access-control-request-headers"];
  if (typeof asked !== "string" || asked.length > MAX_REQUESTED_HEADERS_LENGTH) return undefined;
  const trimmed = asked.trim();
  return HEADER_LIST.test(trimmed) ? trimmed.toLowerCase() : undefined;
}

function answerPreflight(req: IncomingMessage, res: ServerResponse): void {
  const asked = requestedHeaders(req);
  res.setHeader("access-control-allow-methods", ALLOWED_METHODS);
  res.setHeader("access-control-allow-headers", asked ? `${BASE_HEADERS}, ${asked}` : BASE_HEADERS);
  res.setHeader("access-control-max-age", PREFLIGHT_MAX_AGE);
  res.appendHeader("vary", "access-control-request-headers");
  res.writeHead(204).end();
}

/**
 * CORS for every route, before authentication and routing: called only for requests that carry an Origin header.
 * Answers a preflight itself (204, or 403 for an origin not allowed) and returns true; for any other request it
 * sets the allow headers (when the origin is allowed) and returns false so the request goes on.
 */
export function createCors(settings: CorsSettings): (req: IncomingMessage, res: ServerResponse) => boolean {
  const credentials = settings.credentials && !settings.anyOrigin;
  return (req, res) => {
    const origin = req.headers.origin;
    if (origin === undefined) return false;
    const preflight = req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined;
    // With a list, the answer depends on the origin: a cache must not hand one origin's answer to another.
    if (!settings.anyOrigin) res.appendHeader("vary", "origin");
    const allowed = settings.anyOrigin || settings.origins.has(origin);
    if (!allowed) {
      if (!preflight) return false; // answered without CORS headers: the browser keeps the reply from the page
      const error = ApiError.corsOriginNotAllowed();
      writeJsonText(res, error.status, JSON.stringify(error.toBody()));
      return true;
    }
    res.setHeader("access-control-allow-origin", settings.anyOrigin ? "*" : origin);
    if (credentials) res.setHeader("access-control-allow-credentials", "true");
    if (!preflight) {
      res.setHeader("access-control-expose-headers", EXPOSED_HEADERS);
      return false;
    }
    answerPreflight(req, res);
    return true;
  };
}
