import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError } from "../../errors/api-error.js";
import { boundaryOf, parseMultipart } from "../../proxy/media/multipart.js";
import type { BodyPolicy } from "./read-json-body.js";

const IDENTITY = /^\s*identity\s*$/i;

/**
 * Reads a multipart/form-data upload (an audio file for transcription) under the same limits as JSON bodies: the
 * size limit (`max_request_size_mb`, checked against the declared length before reading and while the bytes come)
 * and the replica's buffer budget (503 with retry-after past it). The form's `model` may come after the file, so
 * the upload is held until it ends; it is never held past those bounds. Then parsed into fields and files.
 */
export async function readMultipartBody(
  req: IncomingMessage,
  res: ServerResponse,
  policy: BodyPolicy,
): Promise<unknown> {
  const boundary = boundaryOf(req.headers["content-type"]);
  if (!boundary) throw ApiError.badRequest("Send the upload as multipart/form-data (with `file` and `model`)", "file");
  const encoding = req.headers["content-encoding"];
  if (encoding !== undefined && encoding !== "" && !IDENTITY.test(encoding))
    throw ApiError.compressedBodyRefused(encoding);
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > policy.limitBytes) throw ApiError.requestTooLarge(policy.limitBytes, declared);
  const body = await collect(req, res, policy, Number.isFinite(declared) ? declared : 0);
  return parseMultipart(body, boundary);
}

function collect(req: IncomingMessage, res: ServerResponse, policy: BodyPolicy, declared: number): Promise<Buffer> {
  let reserved = 0;
  const reserve = (bytes: number) => {
    if (!policy.budget.tryReserve(bytes)) return false;
    reserved += bytes;
    return true;
  };
  if (declared > 0 && !reserve(declared)) {
    res.setHeader("retry-after", "1");
    return Promise.reject(ApiError.bodyBufferFull());
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (error: ApiError | undefined) => {
      if (settled) return;
      settled = true;
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("close", onClose);
      policy.budget.release(reserved);
      if (!error) return resolve(Buffer.concat(chunks, size));
      req.pause(); // the rest stays unread: the answer closes the connection
      if (error.status === 503) res.setHeader("retry-after", "1");
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > policy.limitBytes) return settle(ApiError.requestTooLarge(policy.limitBytes));
      if (size > reserved && !reserve(size - reserved)) return settle(ApiError.bodyBufferFull());
      chunks.push(chunk);
    };
    const onEnd = () => settle(undefined);
    const onClose = () => {
      if (!req.complete) settle(ApiError.bodyIncomplete());
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", () => settle(ApiError.bodyIncomplete()));
    req.on("close", onClose);
  });
}
