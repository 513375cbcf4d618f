// The one error type that becomes an HTTP response. Status is the contract: OpenAI's client libraries pick
// their error class from it, so every factory fixes status, type and code together.
export type ApiErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "rate_limit_error"
  | "server_error"
  | "service_unavailable"
  /** LiteLLM's type for a virtual key calling a model outside its allow-list; its clients match on it. */
  | "key_model_access_denied";

export interface ApiErrorBody {
  error: { message: string; type: ApiErrorType; param: string | null; code: string | null };
}

export class ApiError extends Error {
  constructor(
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

  static badRequest(message: string, param: string | null = null, code = "invalid_value"): ApiError {
    return new ApiError(400, "invalid_request_error", code, message, param);
  }

  static missingField(param: string): ApiError {
    return new ApiError(400, "invalid_request_error", "missing_required_field", `${param} is required`, param);
  }

  static invalidJson(): ApiError {
    return new ApiError(400, "invalid_request_error", "invalid_json", "Request body is not valid JSON");
  }

  static unauthorized(message = "Invalid or missing API key"): ApiError {
    return new ApiError(401, "authentication_error", "invalid_api_key", message);
  }

  static forbidden(message: string): ApiError {
    return new ApiError(403, "permission_error", "forbidden", message);
  }

  static notFound(message: string, param: string | null = null): ApiError {
    return new ApiError(404, "not_found_error", "not_found", message, param);
  }

  /** Unknown and not-allowed models answer alike, so callers cannot probe which models exist. */
  static modelNotFound(model: string): ApiError {
    return new ApiError(
      404,
      "invalid_request_error",
      "model_not_found",
      `The model '${model}' does not exist or you do not have access to it.`,
      "model",
    );
  }

  /** LiteLLM's answer for a model no deployment serves: 400, so the OpenAI SDK raises BadRequestError. */
  static invalidModel(model: string): ApiError {
    return new ApiError(
      400,
      "invalid_request_error",
      "model_not_found",
      `Invalid model name passed in model=${model}. Call \`/v1/models\` to view available models for your key.`,
      "model",
    );
  }

  /**
   * LiteLLM's answer for a model outside the key's allow-list, word for word (its users' scripts match on it). It
   * is the same whether the model exists or not, so a key cannot probe for models it may not use.
   */
  static keyModelAccessDenied(allowed: readonly string[], tried: string): ApiError {
    const list = `[${allowed.map((name) => `'${name}'`).join(", ")}]`;
    return new ApiError(
      401,
      "key_model_access_denied",
      "401",
      `key not allowed to access model. This key can only access models=${list}. Tried to access ${tried}`,
      "model",
    );
  }

  static routeNotFound(method: string, path: string): ApiError {
    return new ApiError(404, "invalid_request_error", "unknown_route", `Unknown route: ${method} ${path}`);
  }

  static conflict(message: string, param: string | null = null): ApiError {
    return new ApiError(409, "invalid_request_error", "conflict", message, param);
  }

  static payloadTooLarge(limit: string): ApiError {
    return new ApiError(413, "invalid_request_error", "payload_too_large", `Request body is larger than ${limit}`);
  }

  static internal(): ApiError {
    return new ApiError(500, "server_error", "internal_error", "Internal server error");
  }

  static unavailable(message: string): ApiError {
    return new ApiError(503, "service_unavailable", "service_unavailable", message);
  }

  /** A provider name LiteLLM does not know (written), or one Switchboard cannot call yet (called). */
  static unsupportedProvider(message: string, param: string): ApiError {
    return new ApiError(400, "invalid_request_error", "unsupported_provider", message, param);
  }
}
