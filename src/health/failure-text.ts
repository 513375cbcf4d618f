import type { ApiError } from "../errors/api-error.js";
import { litellmExceptionClass } from "../errors/litellm-prefix.js";
import type { Deployment } from "../registry/deployment.js";
import { scrubSecrets } from "../registry/secret-scrub.js";

// What an unhealthy endpoint's `error` says. LiteLLM puts the exception text there, prefixed with its exception
// class (`litellm.AuthenticationError: ...`), which dashboards and alert rules match on. LiteLLM also appends a
// stack trace and lets an upstream message that quotes the key through; neither is copied.

/**
 * The report is the operator's view of one deployment (only the master key reads it), so unlike an inference reply
 * it also says what went wrong underneath, e.g. the socket error behind an unreachable upstream.
 */
export function failureText(error: ApiError, deployment: Deployment, cause?: string): string {
  const message = cause === undefined ? error.message : `${error.message}: ${cause}`;
  return `litellm.${litellmExceptionClass(error.status)}: ${scrubSecrets(message, deployment)}`;
}
