import { createBrotliDecompress, createGunzip, createInflate, type Gunzip } from "node:zlib";
import type { Transform } from "node:stream";
import { ApiError } from "../../errors/api-error.js";
import type { BodyPolicy } from "./read-json-body.js";

/** Below this many inflated bytes no body is too expanded: a tiny body's ratio says nothing. */
const RATIO_FLOOR_BYTES = 64 * 1024;

export interface Inflater {
  stream: Transform;
  /** An error once the inflated bytes pass the ratio to the compressed bytes read so far. */
  tooExpanded: (inflatedBytes: number) => ApiError | undefined;
}

function decompressorFor(encoding: string): Transform | Gunzip | undefined {
  switch (encoding.trim().toLowerCase()) {
    case "gzip":
    case "x-gzip":
      return createGunzip();
    case "deflate":
      return createInflate();
    case "br":
      return createBrotliDecompress();
    default:
      return undefined; // unknown, or several encodings stacked
  }
}

/** The stream that inflates a body of this content-encoding, or undefined when the encoding is not one we take. */
export function inflaterFor(encoding: string, policy: BodyPolicy): Inflater | undefined {
  const stream = decompressorFor(encoding);
  if (!stream) return undefined;
  let compressedBytes = 0;
  stream.on("pipe", (source: NodeJS.ReadableStream) => {
    source.on("data", (chunk: Buffer) => {
      compressedBytes += chunk.length;
      // Compressed bytes can inflate to nothing (empty deflate blocks): they count against the size limit too.
      if (compressedBytes > policy.limitBytes) stream.destroy(ApiError.requestTooLarge(policy.limitBytes));
    });
  });
  return {
    stream,
    tooExpanded: (inflatedBytes) => {
      const allowed = Math.max(RATIO_FLOOR_BYTES, compressedBytes * policy.maxCompressionRatio);
      return inflatedBytes > allowed ? ApiError.compressionRatioExceeded(policy.maxCompressionRatio) : undefined;
    },
  };
}
