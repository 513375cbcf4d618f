import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { RequestHandler } from "express";

const SAFE_ID = /^[\w.:-]{1,128}$/;

/** The caller's x-request-id when it is safe to echo (and to log), else a new one. */
export function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers["x-request-id"];
  return typeof incoming === "string" && SAFE_ID.test(incoming) ? incoming : randomUUID();
}

/** Every response carries x-request-id (OpenAI's clients surface it in their errors) and LiteLLM's x-litellm-call-id. */
export function requestId(): RequestHandler {
  return (req, res, next) => {
    const id = requestIdFor(req);
    res.locals.requestId = id;
    res.setHeader("x-request-id", id);
    res.setHeader("x-litellm-call-id", id);
    next();
  };
}
