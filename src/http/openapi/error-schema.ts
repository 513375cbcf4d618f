import { z } from "zod";
import type { ApiErrorBody } from "../../errors/api-error.js";
import { API_ERROR_TYPES } from "../../errors/error-types.js";

/** OpenAI's error envelope, the only error shape any route answers with (see error-handler.ts). */
export const errorResponseSchema = z.object({
  error: z.object({
    message: z.string(),
    type: z.enum(API_ERROR_TYPES),
    param: z.string().nullable().describe("The request field at fault, e.g. `litellm_params.model`"),
    code: z.string().nullable().describe("Machine-readable reason, e.g. `model_not_found`, `invalid_api_key`"),
  }),
}) satisfies z.ZodType<ApiErrorBody>;

export const ERROR_COMPONENT = "ErrorResponse";

/** Statuses an operation may list; OpenAI's clients pick their error class from the status alone. */
export const ERROR_DESCRIPTIONS = {
  400: "Malformed JSON, a body nested or sized past the JSON limits, or a field failed validation (`param` names the first bad one)",
  401: "Missing or invalid API key",
  403: "The key is valid but may not call this endpoint",
  404: "Not found: `code` says what; `model_not_found` also answers for a model the key may not use, so callers cannot probe",
  409: "Conflict: a model with this id already exists",
  413: "Request body larger than `max_request_size_mb` (or a compressed body inflating past its ratio)",
  415: "Compressed request body while `accept_compressed_requests` is off, or an unknown content-encoding",
  422: "The request is well-formed but cannot be processed",
  429: "Rate limited: the key's max_parallel_requests is reached, every deployment of the model is cooling down, or the upstream rate-limited the call",
  500: "Internal error; the details are only in the server log (or the upstream's own 500)",
  502: "The upstream could not be reached or its stream failed",
  503: "Service unavailable: PostgreSQL is unreachable (`database_unavailable`: nothing was written, retry later), the replica's request-body buffer is full (`retry-after`), or the upstream's own 503",
  504: "The upstream did not answer within the deployment's timeout",
} as const;

export type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;
