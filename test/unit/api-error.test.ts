import { describe, expect, it } from "@jest/globals";
import { ApiError } from "../../src/errors/api-error.js";
import { API_ERROR_TYPES, errorTypeForStatus, upstreamErrorType } from "../../src/errors/error-types.js";
import { litellmExceptionClass, withLiteLLMPrefix } from "../../src/errors/litellm-prefix.js";
import { providerAdapters } from "../../src/proxy/providers/index.js";

describe("ApiError's named factories", () => {
  // Status, type and code are the contract OpenAI's clients and LiteLLM's users match on: each factory fixes all three.
  it.each([
    ["badRequest", ApiError.badRequest("bad", "field"), 400, "invalid_request_error", "invalid_value"],
    ["missingField", ApiError.missingField("model"), 400, "invalid_request_error", "missing_required_field"],
    [
      "missingProviderParam",
      ApiError.missingProviderParam("azure", "litellm_params.api_base"),
      400,
      "invalid_request_error",
      "missing_required_field",
    ],
    ["invalidJson", ApiError.invalidJson(), 400, "invalid_request_error", "invalid_json"],
    ["requestTooLarge", ApiError.requestTooLarge(1024), 413, "invalid_request_error", "payload_too_large"],
    ["jsonTooDeep", ApiError.jsonTooDeep(128), 400, "invalid_request_error", "json_too_deep"],
    ["jsonTooManyElements", ApiError.jsonTooManyElements(9), 400, "invalid_request_error", "json_too_many_elements"],
    [
      "compressedBodyRefused",
      ApiError.compressedBodyRefused("gzip"),
      415,
      "invalid_request_error",
      "unsupported_encoding",
    ],
    [
      "compressionRatioExceeded",
      ApiError.compressionRatioExceeded(50),
      413,
      "invalid_request_error",
      "payload_too_large",
    ],
    ["corruptCompressedBody", ApiError.corruptCompressedBody(), 400, "invalid_request_error", "invalid_encoding"],
    ["bodyBufferFull", ApiError.bodyBufferFull(), 503, "service_unavailable", "request_buffer_full"],
    ["bodyIncomplete", ApiError.bodyIncomplete(), 400, "invalid_request_error", "incomplete_body"],
    [
      "unreadableRequest",
      ApiError.unreadableRequest(400, "bad_request", "Failed to decode param"),
      400,
      "invalid_request_error",
      "bad_request",
    ],
    ["routeNotFound", ApiError.routeNotFound("GET", "/nope"), 404, "invalid_request_error", "unknown_route"],
    ["conflict", ApiError.conflict("taken"), 409, "invalid_request_error", "conflict"],
    ["notFound", ApiError.notFound("gone"), 404, "not_found_error", "not_found"],
    [
      "configModelNotEditable",
      ApiError.configModelNotEditable("m1", "edited"),
      400,
      "invalid_request_error",
      "config_model",
    ],
    ["unauthorized", ApiError.unauthorized(), 401, "authentication_error", "invalid_api_key"],
    ["forbidden", ApiError.forbidden("no"), 403, "permission_error", "forbidden"],
    ["keyModelAccessDenied", ApiError.keyModelAccessDenied(["a"], "b"), 401, "key_model_access_denied", "401"],
    [
      "keyLimitReached",
      ApiError.keyLimitReached("max_parallel_requests", 2, 2),
      429,
      "rate_limit_error",
      "max_parallel_requests",
    ],
    ["modelNotFound", ApiError.modelNotFound("m"), 404, "invalid_request_error", "model_not_found"],
    ["invalidModel", ApiError.invalidModel("m"), 400, "invalid_request_error", "model_not_found"],
    [
      "unsupportedProvider",
      ApiError.unsupportedProvider("no", "model"),
      400,
      "invalid_request_error",
      "unsupported_provider",
    ],
    [
      "unsupportedOperation",
      ApiError.unsupportedOperation("m", "anthropic", "embeddings"),
      400,
      "invalid_request_error",
      "unsupported_operation",
    ],
    [
      "unsupportedParams",
      ApiError.unsupportedParams("anthropic", "claude", ["logit_bias"]),
      400,
      "invalid_request_error",
      "unsupported_params",
    ],
    [
      "missingCredentials",
      ApiError.missingCredentials({ modelName: "m", id: "d" }, "KEY", "api_key"),
      500,
      "server_error",
      "missing_credentials",
    ],
    ["noHealthyDeployment", ApiError.noHealthyDeployment("m"), 429, "rate_limit_error", "no_healthy_deployment"],
    [
      "upstreamError",
      ApiError.upstreamError(400, "OpenAIException", { message: "no", type: "invalid_request_error", code: null }),
      400,
      "invalid_request_error",
      "upstream_error",
    ],
    ["upstreamUnreachable", ApiError.upstreamUnreachable("m"), 502, "server_error", "upstream_connection_error"],
    ["upstreamTimeout", ApiError.upstreamTimeout("m", 300), 504, "server_error", "upstream_timeout"],
    ["upstreamStreamFailed", ApiError.upstreamStreamFailed("gpt-4o"), 502, "server_error", "upstream_stream_error"],
    ["mockException", ApiError.mockException(503, "m", "litellm.X"), 503, "server_error", "mock_response"],
    ["mockRateLimit", ApiError.mockRateLimit("m"), 429, "rate_limit_error", "mock_testing_rate_limit_error"],
    ["mockFallbackTrigger", ApiError.mockFallbackTrigger("m"), 500, "server_error", "mock_testing_fallbacks"],
    ["internal", ApiError.internal(), 500, "server_error", "internal_error"],
    ["unavailable", ApiError.unavailable("db down"), 503, "service_unavailable", "service_unavailable"],
    ["databaseUnavailable", ApiError.databaseUnavailable(), 503, "service_unavailable", "database_unavailable"],
  ])("%s answers %d %s %s", (_name, error, status, type, code) => {
    expect([error.status, error.type, error.code]).toEqual([status, type, code]);
    expect(API_ERROR_TYPES).toContain(error.type);
  });

  it("echoes at most 256 characters of an unknown path", () => {
    const message = ApiError.routeNotFound("GET", `/${"a".repeat(10_000)}`).message;
    expect(message.length).toBeLessThan(300);
    expect(message).toMatch(/^Unknown route: GET \/a+…$/);
  });

  it("is built only through them: the constructor is private", () => {
    // @ts-expect-error -- the constructor is private; `npm run typecheck` fails here the day it becomes public.
    const build = (): ApiError => new ApiError(500, "server_error", "internal_error", "built by hand");
    expect(build).toBeInstanceOf(Function);
  });

  it("keeps an upstream's code, and says upstream_error when it sent none", () => {
    const failure = { message: "slow down", type: "rate_limit_error" as const, code: "rate_limit_exceeded" };
    const error = ApiError.upstreamError(429, "OpenAIException", failure);
    expect(error.toBody()).toEqual({
      error: {
        message: "OpenAIException - slow down",
        type: "rate_limit_error",
        param: null,
        code: "rate_limit_exceeded",
      },
    });
  });

  it("tells the caller which model's upstream failed, and nothing about the deployment or the cause", () => {
    expect(ApiError.upstreamUnreachable("gpt-4o-mini").message).toBe(
      "Could not reach the upstream of model 'gpt-4o-mini'",
    );
    expect(ApiError.upstreamTimeout("gpt-4o-mini", 300).message).toBe(
      "The upstream of model 'gpt-4o-mini' did not answer within 300 ms",
    );
  });

  it("rewords an error without changing what it is", () => {
    const original = ApiError.badRequest("bad temperature", "temperature");
    const reworded = original.withMessage("litellm.BadRequestError: bad temperature");
    expect(reworded).toBeInstanceOf(ApiError);
    expect(reworded.toBody()).toEqual({
      error: {
        message: "litellm.BadRequestError: bad temperature",
        type: "invalid_request_error",
        param: "temperature",
        code: "invalid_value",
      },
    });
  });

  it("travels mid-stream as one SSE frame holding the same body", () => {
    const error = ApiError.upstreamStreamFailed("gpt-4o");
    expect(error.toSseFrame()).toBe(`data: ${JSON.stringify(error.toBody())}\n\n`);
  });
});

describe("errorTypeForStatus: the one rule from an upstream's status to an error type", () => {
  it.each([
    [400, "invalid_request_error"],
    [401, "authentication_error"],
    [402, "invalid_request_error"],
    [403, "permission_error"],
    [404, "not_found_error"],
    [409, "invalid_request_error"],
    [413, "invalid_request_error"],
    [422, "invalid_request_error"],
    [429, "rate_limit_error"],
    [500, "server_error"],
    [502, "server_error"],
    [503, "server_error"],
    [504, "server_error"],
    [529, "server_error"],
  ])("types HTTP %d as %s", (status, type) => {
    expect(errorTypeForStatus(status)).toBe(type);
  });

  it("keeps an upstream's own type when it is one of OpenAI's", () => {
    expect(upstreamErrorType(400, "rate_limit_error")).toBe("rate_limit_error");
    expect(upstreamErrorType(500, "invalid_request_error")).toBe("invalid_request_error");
  });

  it("types by status what an upstream calls otherwise, or not at all", () => {
    expect(upstreamErrorType(429, "insufficient_quota")).toBe("rate_limit_error");
    expect(upstreamErrorType(503, undefined)).toBe("server_error");
    expect(upstreamErrorType(401, 42)).toBe("authentication_error");
  });

  it("never lets an upstream claim a type that describes Switchboard itself", () => {
    expect(upstreamErrorType(401, "key_model_access_denied")).toBe("authentication_error");
    expect(upstreamErrorType(503, "service_unavailable")).toBe("server_error");
  });

  it("is what every provider adapter falls back to for an error reply without a type", () => {
    for (const [name, adapter] of Object.entries(providerAdapters)) {
      for (const status of [400, 401, 403, 404, 429, 500, 503]) {
        expect([name, status, adapter.describeError(status, undefined).type]).toEqual([
          name,
          status,
          errorTypeForStatus(status),
        ]);
      }
    }
  });
});

describe("LiteLLM's exception prefix", () => {
  it("names LiteLLM's exception class for the status", () => {
    expect(withLiteLLMPrefix(ApiError.upstreamUnreachable("m")).message).toBe(
      "litellm.APIConnectionError: Could not reach the upstream of model 'm'",
    );
    expect(withLiteLLMPrefix(ApiError.upstreamTimeout("m", 5)).message).toMatch(/^litellm\.Timeout: /);
    expect(litellmExceptionClass(418)).toBe("BadRequestError");
    expect(litellmExceptionClass(599)).toBe("InternalServerError");
  });

  it("leaves the authentication step's errors and already prefixed ones as they are", () => {
    const denied = ApiError.keyModelAccessDenied(["a"], "b");
    expect(withLiteLLMPrefix(denied)).toBe(denied);
    const prefixed = withLiteLLMPrefix(ApiError.internal());
    expect(withLiteLLMPrefix(prefixed)).toBe(prefixed);
  });
});
