import type { IncomingMessage } from "node:http";
import { ApiError } from "../errors/api-error.js";

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;

/**
 * Reads and parses a JSON request body. A lean reader for the inference routes, where body-parser's generality
 * (charsets, inflation, type matching) was a measurable share of the per-request CPU. Same contract as
 * express.json: malformed JSON is 400, a body over the limit is 413, and an empty body or a non-JSON content type
 * gives undefined (so the schema names the first missing field).
 */
export function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  const type = req.headers["content-type"];
  if (!type || !JSON_TYPE.test(type)) return Promise.resolve(undefined); // node:http discards an unread body
  if (Number(req.headers["content-length"]) > limitBytes)
    return Promise.reject(ApiError.payloadTooLarge(`${limitBytes} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        req.removeAllListeners("data");
        req.resume();
        reject(ApiError.payloadTooLarge(`${limitBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (size > limitBytes) return;
      try {
        resolve(size === 0 ? undefined : JSON.parse(Buffer.concat(chunks, size).toString("utf8")));
      } catch {
        reject(ApiError.invalidJson());
      }
    });
    req.on("error", reject);
  });
}
