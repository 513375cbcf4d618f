import { z } from "zod";

const MB = 1024 * 1024;

/**
 * general_settings keys that bound what a request body may cost. `max_request_size_mb` is LiteLLM's name; the
 * others are Switchboard's own (LiteLLM has none).
 */
export const requestLimitSettingsShape = {
  max_request_size_mb: z.number().positive().nullish(),
  max_request_json_depth: z.number().int().positive().nullish(),
  max_request_json_elements: z.number().int().positive().nullish(),
  accept_compressed_requests: z.boolean().nullish(),
  max_request_compression_ratio: z.number().min(1).nullish(),
  max_buffered_request_mb: z.number().positive().nullish(),
};

type RequestLimitSettings = {
  [K in keyof typeof requestLimitSettingsShape]?: z.infer<(typeof requestLimitSettingsShape)[K]>;
};

/** How request bodies are read (see src/http/body/). */
export interface RequestLimits {
  /** Inference bodies (chat may carry images): `max_request_size_mb`. */
  inferenceBytes: number;
  /** Management bodies: 1 MB, or less when `max_request_size_mb` is smaller. */
  managementBytes: number;
  /** Nesting of arrays and objects; tool JSON schemas go a few dozen levels deep, nothing real goes further. */
  maxDepth: number;
  /** Containers plus commas; OpenAI caps an embeddings call at 300k input tokens, well below the default. */
  maxElements: number;
  /** gzip, deflate and br request bodies; off by default (a 1 KB body can inflate to gigabytes). */
  acceptCompressed: boolean;
  /** When compressed bodies are accepted: how many times its compressed size a body may inflate to. */
  maxCompressionRatio: number;
  /** Bytes of bodies buffered at once across the replica, past which new bodies get 503. */
  bufferBytes: number;
}

/** 20 MB: a chat request with a few images; nginx's client_max_body_size in this repository matches. */
export const DEFAULT_REQUEST_SIZE_MB = 20;
const MANAGEMENT_BYTES = MB;
const DEFAULT_DEPTH = 128;
const DEFAULT_ELEMENTS = 1_000_000;
const DEFAULT_COMPRESSION_RATIO = 50;
const DEFAULT_BUFFER_MB = 256;

export function requestLimits(general: RequestLimitSettings): RequestLimits {
  const inferenceBytes = Math.floor((general.max_request_size_mb ?? DEFAULT_REQUEST_SIZE_MB) * MB);
  return {
    inferenceBytes,
    managementBytes: Math.min(MANAGEMENT_BYTES, inferenceBytes),
    maxDepth: general.max_request_json_depth ?? DEFAULT_DEPTH,
    maxElements: general.max_request_json_elements ?? DEFAULT_ELEMENTS,
    acceptCompressed: general.accept_compressed_requests === true,
    maxCompressionRatio: general.max_request_compression_ratio ?? DEFAULT_COMPRESSION_RATIO,
    bufferBytes: Math.floor((general.max_buffered_request_mb ?? DEFAULT_BUFFER_MB) * MB),
  };
}
