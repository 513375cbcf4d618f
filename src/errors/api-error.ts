import { type ApiErrorType, errorTypeForStatus } from "./error-types.js";

export interface ApiErrorBody {
  error: { message: string; type: ApiErrorType; param: string | null; code: string | null };
}

/** An upstream's failure as its provider adapter read it, in OpenAI's vocabulary. */
export interface UpstreamFailure {
  message: string;
  type: ApiErrorType;
  code: string | null;
}

/**
 * The one error type that becomes an HTTP response. Status is the contract: OpenAI's client libraries pick their
 * error class from it, so the constructor is private and each named factory fixes status, type and code together.
 */
export class ApiError extends Error {
  /**
   * Set by the factories of the proxy's own key checks (missing or wrong key, master-only route, a model outside the
   * key's allow-list): LiteLLM answers those as proxy errors, without its library's `litellm.<Class>: ` prefix, while
   * an upstream's own 401 or 403 keeps the prefix.
   */
  private keyCheck = false;

  /** Seconds after which the same call may succeed: sent as `retry-after` (a 429 or 503 that will pass by itself). */
  retryAfterSeconds: number | undefined;

  private constructor(
    readonly status: number,
    readonly type: ApiErrorType,
    readonly code: string,
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }

  toBody(): ApiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }

  /** The error as one server-sent event: how it travels once a stream's status line has gone out. */
  toSseFrame(): string {
    return `data: ${JSON.stringify(this.toBody())}\n\n`;
  }

  /** The same error (status, type, code, param) worded otherwise, e.g. with LiteLLM's exception prefix. */
  withMessage(message: string): ApiError {
    const copy = new ApiError(this.status, this.type, this.code, message, this.param);
    copy.keyCheck = this.keyCheck;
    copy.retryAfterSeconds = this.retryAfterSeconds;
    return copy;
  }

  /** Whether this is the proxy's own key check failing (see keyCheck). */
  isKeyCheck(): boolean {
    return this.keyCheck;
  }

  private static ofKeyCheck(error: ApiError): ApiError {
    error.keyCheck = true;
    return error;
  }

  // Requests the caller got wrong.

  static badRequest(message: string, param: string | null = null): ApiError {
    return new ApiError(400, "invalid_request_error", "invalid_value", message, param);
  }

  static missingField(param: string): ApiError {
    return new ApiError(400, "invalid_request_error", "missing_required_field", `${param} is required`, param);
  }

  /** A deployment of a provider that cannot be addressed without this parameter (an Azure api_base, say). */
  static missingProviderParam(provider: string, param: string): ApiError {
    const message = `${provider} deployments need ${param}`;
    return new ApiError(400, "invalid_request_error", "missing_required_field", message, param);
  }

  static invalidJson(): ApiError {
    return new ApiError(400, "invalid_request_error", "invalid_json", "Request body is not valid JSON");
  }

  /**
   * A request express's own stack could not read (a corrupt gzip body, a malformed %-escape in the path): its 4xx
   * status and its message, which is meant for the client.
   */
  static unreadableRequest(status: number, code: string, message: string): ApiError {
    return new ApiError(status, "invalid_request_error", code, message);
  }

  /** The path is the caller's: echoed only as far as a name may be long. */
  static routeNotFound(method: string, path: string): ApiError {
    const shown = path.length <= 256 ? path : `${path.slice(0, 256)}…`;
    return new ApiError(404, "invalid_request_error", "unknown_route", `Unknown route: ${method} ${shown}`);
  }

  static conflict(message: string, param: string | null = null): ApiError {
    return new ApiError(409, "invalid_request_error", "conflict", message, param);
  }

  static notFound(message: string, param: string | null = null): ApiError {
    return new ApiError(404, "not_found_error", "not_found", message, param);
  }

  /** config.yaml owns its models: the API may read them but neither edit nor delete them. */
  static configModelNotEditable(id: string, action: "edited" | "deleted"): ApiError {
    const message = `Model ${id} is defined in config.yaml and cannot be ${action} over the API. Edit config.yaml, or add a model with /model/new.`;
    return new ApiError(400, "invalid_request_error", "config_model", message, "id");
  }

  // Who is calling, and what they may call.

  static unauthorized(message = "Invalid or missing API key"): ApiError {
    return ApiError.ofKeyCheck(new ApiError(401, "authentication_error", "invalid_api_key", message));
  }

  static forbidden(message: string): ApiError {
    return ApiError.ofKeyCheck(new ApiError(403, "permission_error", "forbidden", message));
  }

  /**
   * LiteLLM's answer for a model outside the key's allow-list, word for word (its users' scripts match on it). It
   * is the same whether the model exists or not, so a key cannot probe for models it may not use.
   */
  static keyModelAccessDenied(allowed: readonly string[], tried: string): ApiError {
    const list = `[${allowed.map((name) => `'${name}'`).join(", ")}]`;
    const message = `key not allowed to access model. This key can only access models=${list}. Tried to access ${tried}`;
    return ApiError.ofKeyCheck(new ApiError(401, "key_model_access_denied", "401", message, "model"));
  }

  // Models and what their deployments can do.

  /** Unknown and not-allowed models answer alike, so callers cannot probe which models exist. */
  static modelNotFound(model: string): ApiError {
    const message = `The model '${model}' does not exist or you do not have access to it.`;
    return new ApiError(404, "invalid_request_error", "model_not_found", message, "model");
  }

  /** LiteLLM's answer for a model no deployment serves: 400, so the OpenAI SDK raises BadRequestError. */
  static invalidModel(model: string): ApiError {
    const message = `Invalid model name passed in model=${model}. Call \`/v1/models\` to view available models for your key.`;
    return new ApiError(400, "invalid_request_error", "model_not_found", message, "model");
  }

  /** A provider name LiteLLM does not know (written), or one Switchboard cannot call yet (called). */
  static unsupportedProvider(message: string, param: string): ApiError {
    return new ApiError(400, "invalid_request_error", "unsupported_provider", message, param);
  }

  static unsupportedOperation(model: string, provider: string, operation: string): ApiError {
    const message = `Model '${model}' (${provider}) does not support ${operation}`;
    return new ApiError(400, "invalid_request_error", "unsupported_operation", message, "model");
  }

  /** LiteLLM's UnsupportedParamsError, with its advice on dropping them. */
  static unsupportedParams(provider: string, upstreamModel: string, params: readonly string[]): ApiError {
    const list = `[${params.map((name) => `'${name}'`).join(", ")}]`;
    const message =
      `UnsupportedParamsError: ${provider} does not support parameters: ${list}, for model=${upstreamModel}. ` +
      "To drop these, send `drop_params: true` in the request, or set `litellm_settings.drop_params: true` in config.yaml.";
    return new ApiError(400, "invalid_request_error", "unsupported_params", message, params[0] ?? null);
  }

  /** A deployment whose credentials come from an environment variable that is not set. */
  static missingCredentials(deployment: { modelName: string; id: string }, variable: string, field: string): ApiError {
    const message = `Model '${deployment.modelName}' (deployment ${deployment.id}) cannot be called: environment variable ${variable} is not set (${field})`;
    return new ApiError(500, "server_error", "missing_credentials", message);
  }

  static noHealthyDeployment(group: string): ApiError {
    const message = `No deployment of model '${group}' is available right now: all are cooling down after failures. Try again shortly.`;
    return new ApiError(429, "rate_limit_error", "no_healthy_deployment", message);
  }

  // Upstreams. A caller learns which model failed; the deployment and the underlying cause go to the log only.

  /** An upstream's own error reply; the message is LiteLLM's `<Provider>Exception - <upstream message>`. */
  static upstreamError(status: number, exceptionName: string, failure: UpstreamFailure): ApiError {
    const message = `${exceptionName} - ${failure.message}`;
    return new ApiError(status, failure.type, failure.code ?? "upstream_error", message);
  }

  static upstreamUnreachable(model: string): ApiError {
    const message = `Could not reach the upstream of model '${model}'`;
    return new ApiError(502, "server_error", "upstream_connection_error", message);
  }

  static upstreamTimeout(model: string, ms: number): ApiError {
    const message = `The upstream of model '${model}' did not answer within ${ms} ms`;
    return new ApiError(504, "server_error", "upstream_timeout", message);
  }

  static upstreamStreamFailed(model: string): ApiError {
    const message = `The upstream stream of model '${model}' failed before it finished`;
    return new ApiError(502, "server_error", "upstream_stream_error", message);
  }

  // LiteLLM's mock switches: failures the caller asked for.

  /** `mock_response` naming one of LiteLLM's exceptions raises it, with the status LiteLLM gives that exception. */
  static mockException(status: number, model: string, mockResponse: string): ApiError {
    const message = `This is a mock exception for model=${model} (mock_response=${mockResponse})`;
    return new ApiError(status, errorTypeForStatus(status), "mock_response", message);
  }

  static mockRateLimit(model: string): ApiError {
    const message = `This is a mock rate limit error for model=${model}`;
    return new ApiError(429, "rate_limit_error", "mock_testing_rate_limit_error", message);
  }

  static mockFallbackTrigger(model: string): ApiError {
    const message = `This is a mock exception for model=${model}, to trigger a fallback`;
    return new ApiError(500, "server_error", "mock_testing_fallbacks", message);
  }

  // Switchboard's own failures.

  static internal(): ApiError {
    return new ApiError(500, "server_error", "internal_error", "Internal server error");
  }

  static unavailable(message: string): ApiError {
    return new ApiError(503, "service_unavailable", "service_unavailable", message);
  }

  /**
   * PostgreSQL did not answer: nothing was written (the change ran in one transaction), so the caller may retry as
   * it is. Known models and keys are still served from this replica's memory meanwhile.
   */
  static databaseUnavailable(): ApiError {
    const message =
      "The database is unreachable, so this request could not be served and nothing was changed. Retry once it is back; models and keys already known keep being served meanwhile.";
    return new ApiError(503, "service_unavailable", "database_unavailable", message);
  }

  // Upstream calls and streams (#13): failures told apart by where they happened, cut-off streams.

  /** JSON.stringify gave up on the body (nested deeper than its recursion allows): the caller's body, not the upstream. */
  static unserialisableBody(): ApiError {
    const message = "The request body cannot be sent upstream: it is nested too deeply to serialise";
    return new ApiError(400, "invalid_request_error", "unserialisable_body", message);
  }

  /** An upstream status that is neither a success nor an error (a redirect: undici follows none). */
  static upstreamUnexpectedStatus(model: string, status: number): ApiError {
    const message = `The upstream of model '${model}' answered with an unexpected HTTP ${status}`;
    return new ApiError(502, "server_error", "upstream_unexpected_status", message);
  }

  // Edges: CORS.

  /** A browser preflight from an origin that general_settings.cors_allow_origins does not list. */
  static corsOriginNotAllowed(): ApiError {
    const message = "This origin is not allowed to call the proxy (general_settings.cors_allow_origins)";
    return new ApiError(403, "permission_error", "cors_origin_not_allowed", message);
  }

  // Request bodies: their size, shape and encoding, and the replica's budget for buffering them.

  /** LiteLLM's wording for `max_request_size_mb`, with 413 (LiteLLM answers 400) so clients see a size error. */
  static requestTooLarge(limitBytes: number, sizeBytes?: number): ApiError {
    const size = sizeBytes === undefined ? "" : ` Request size is ${megabytes(sizeBytes)} MB.`;
    const message = `Request size is too large.${size} Max size is ${megabytes(limitBytes)} MB`;
    return new ApiError(413, "invalid_request_error", "payload_too_large", message, "content-length");
  }

  static jsonTooDeep(limit: number): ApiError {
    const message = `Request body nests arrays and objects deeper than ${limit} levels (max_request_json_depth)`;
    return new ApiError(400, "invalid_request_error", "json_too_deep", message, "body");
  }

  static jsonTooManyElements(limit: number): ApiError {
    const message = `Request body has more than ${limit} JSON elements (max_request_json_elements)`;
    return new ApiError(400, "invalid_request_error", "json_too_many_elements", message, "body");
  }

  static compressedBodyRefused(encoding: string): ApiError {
    const message = `Request bodies with content-encoding '${encoding.slice(0, 40)}' are not accepted; send the body uncompressed`;
    return new ApiError(415, "invalid_request_error", "unsupported_encoding", message, "content-encoding");
  }

  static compressionRatioExceeded(ratio: number): ApiError {
    const message = `Compressed request body inflates to more than ${ratio} times its size (max_request_compression_ratio)`;
    return new ApiError(413, "invalid_request_error", "payload_too_large", message, "content-encoding");
  }

  static corruptCompressedBody(): ApiError {
    return new ApiError(400, "invalid_request_error", "invalid_encoding", "Compressed request body cannot be inflated");
  }

  /** The replica holds as many request bodies as its budget allows (max_buffered_request_mb); sent with retry-after. */
  static bodyBufferFull(): ApiError {
    const message = "This replica is reading too many request bodies right now; retry shortly";
    return new ApiError(503, "service_unavailable", "request_buffer_full", message);
  }

  /** The client stopped sending before its body was complete (nobody is left to read this answer). */
  static bodyIncomplete(): ApiError {
    return new ApiError(400, "invalid_request_error", "incomplete_body", "Request body ended before it was complete");
  }

  // Spend.

  /** A virtual key asked for spend of another key: as /key/info answers, 403. */
  static otherKeysSpend(): ApiError {
    return ApiError.forbidden("A virtual key can only read its own spend: leave api_key out, or name the calling key");
  }

  // Key rate limits (rpm_limit, tpm_limit, max_parallel_requests, model_rpm_limit, model_tpm_limit).

  /**
   * LiteLLM's answer for a key over one of its limits (its parallel request limiter words every limit so); the code
   * is the limit's field name. Sent with retry-after and the x-ratelimit-* headers.
   */
  static keyLimitReached(limitName: string, limit: number, current: number, model?: string): ApiError {
    const scope = model === undefined ? "api_key" : `model_per_key (model: ${model})`;
    const message =
      `Max parallel request limit reached. Hit limit for ${scope}. ` +
      `Current usage: ${current}. Current limit: ${limitName}: ${limit}.`;
    return new ApiError(429, "rate_limit_error", limitName, message);
  }

  // Cooldowns and deployment limits

  /** Every deployment of the group is at its rpm/tpm for this minute (LiteLLM's RouterRateLimitError wording). */
  static deploymentsAtLimit(group: string, secondsLeft: number): ApiError {
    const message =
      `No deployments available for selected model, Try again in ${secondsLeft} seconds. Passed model=${group}. ` +
      "Every deployment is at its rpm/tpm limit for this minute.";
    const error = new ApiError(429, "rate_limit_error", "rate_limit_exceeded", message);
    error.retryAfterSeconds = secondsLeft;
    return error;
  }

  // Budgets.

  /**
   * LiteLLM's answer for a key at or over max_budget, word for word (400, no exception prefix, param null, code
   * "400"); the figures are printed as Python prints floats, as LiteLLM's message has them.
   */
  static budgetExceeded(currentCost: number, maxBudget: number): ApiError {
    const message = `Budget has been exceeded! Current cost: ${pythonFloat(currentCost)}, Max budget: ${pythonFloat(maxBudget)}`;
    return ApiError.ofKeyCheck(new ApiError(400, "budget_exceeded", "400", message));
  }
}

/** A number as Python's str(float) writes it for ordinary amounts: `5.0`, `0.25`. */
function pythonFloat(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

/** Bytes as MB with at most three decimals: `20`, `0.5`. */
function megabytes(bytes: number): string {
  return String(Math.round((bytes / (1024 * 1024)) * 1000) / 1000);
}
