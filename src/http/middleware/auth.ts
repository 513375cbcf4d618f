import { createHash, timingSafeEqual } from "node:crypto";
import type { Request, RequestHandler, Response } from "express";
import { ApiError } from "../../errors/api-error.js";

/** Who is calling. Virtual keys will add a second kind; routes read it through these helpers only. */
export interface Caller {
  kind: "master";
  /** Recorded as created_by / updated_by and in the change log. */
  actor: string;
}

/** `Authorization: Bearer <key>`, else LiteLLM's `x-litellm-api-key`, else Azure-style `api-key`. */
export function bearerToken(req: Request): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(req.get("authorization")?.trim() ?? "")?.[1]?.trim();
  return bearer || req.get("x-litellm-api-key")?.trim() || req.get("api-key")?.trim() || undefined;
}

function digest(secret: string): Buffer {
  return createHash("sha256").update(secret).digest();
}

/** Authenticates every request it guards; an empty master key never disables this (see config loading). */
export function authenticate(masterKey: string): RequestHandler {
  if (masterKey === "") throw new Error("authenticate() needs a non-empty master key");
  // Comparing digests is constant-time whatever the lengths; the key's own digest is computed once.
  const expected = digest(masterKey);
  return (req, res, next) => {
    const token = bearerToken(req);
    if (!token) throw ApiError.unauthorized("Missing API key: send it as 'Authorization: Bearer <key>'");
    if (!timingSafeEqual(digest(token), expected)) throw ApiError.unauthorized("Invalid API key");
    const caller: Caller = { kind: "master", actor: "proxy_admin" };
    res.locals.caller = caller;
    next();
  };
}

export function callerOf(res: Response): Caller {
  const caller = res.locals.caller as Caller | undefined;
  if (!caller) throw new Error("route is not behind authenticate()");
  return caller;
}

/** Management routes: the master key only. */
export function requireAdmin(): RequestHandler {
  return (_req, res, next) => {
    if (callerOf(res).kind !== "master") throw ApiError.forbidden("This endpoint requires the master key");
    next();
  };
}
