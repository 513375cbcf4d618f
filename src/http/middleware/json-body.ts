import type { RequestHandler } from "express";
import { ApiError } from "../../errors/api-error.js";

/**
 * A lean JSON body reader for the inference routes, where body-parser's generality (charsets, inflation, type
 * matching) was a measurable share of the per-request CPU. Same contract as express.json: `req.body` is the parsed
 * JSON, malformed JSON is 400, an oversized body is 413, and a non-JSON content type leaves the body undefined.
 */
export function jsonBody(limitBytes: number): RequestHandler {
  return (req, _res, next) => {
    const type = req.headers["content-type"];
    if (!type || !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) return next();
    const declared = Number(req.headers["content-length"]);
    if (declared > limitBytes) return next(ApiError.payloadTooLarge(`${limitBytes} bytes`));
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limitBytes) {
        failed = true;
        next(ApiError.payloadTooLarge(`${limitBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (failed) return;
      try {
        req.body = size === 0 ? undefined : JSON.parse(Buffer.concat(chunks, size).toString("utf8"));
      } catch {
        next(ApiError.invalidJson());
        return;
      }
      next();
    });
    req.on("error", (error) => {
      if (!failed) {
        failed = true;
        next(error);
      }
    });
  };
}
