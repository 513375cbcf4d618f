import { createHash, timingSafeEqual } from "node:crypto";
import type { Request, RequestHandler, Response } from "express";
import { ApiError } from "../../errors/api-error.js";
import type { KeyRegistry } from "../../keys/key-registry.js";
import { fullAccess, keyAccess, type ModelAccess } from "../../keys/model-access.js";
import { isExpired, type VirtualKey } from "../../keys/virtual-key.js";
import type { ModelRegistry } from "../../registry/model-registry.js";

/** Who is calling; routes read it through these helpers only. */
export type Caller =
  | { kind: "master"; actor: string; access: ModelAccess }
  | { kind: "virtual"; actor: string; access: ModelAccess; key: VirtualKey };

export interface AuthDeps {
  masterKey: string;
  keys: KeyRegistry;
  registry: ModelRegistry;
  /** An unknown key may have been generated through another replica a moment ago. */
  ensureFresh: () => Promise<void>;
}

/** `Authorization: Bearer <key>`, else LiteLLM's `x-litellm-api-key`, else Azure-style `api-key`. */
export function bearerToken(req: Request): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(req.get("authorization")?.trim() ?? "")?.[1]?.trim();
  return bearer || req.get("x-litellm-api-key")?.trim() || req.get("api-key")?.trim() || undefined;
}

function digest(secret: string): Buffer {
  return createHash("sha256").update(secret).digest();
}

/**
 * Authenticates every request it guards: the master key, or a virtual key looked up in memory (kept current by
 * the change feed, so there is no database read per request). An empty master key never disables this.
 */
export function authenticate({ masterKey, keys, registry, ensureFresh }: AuthDeps): RequestHandler {
  if (masterKey === "") throw new Error("authenticate() needs a non-empty master key");
  // Comparing digests is constant-time whatever the lengths; the key's own digest is computed once.
  const expected = digest(masterKey);
  return async (req, res, next) => {
    const token = bearerToken(req);
    if (!token) throw ApiError.unauthorized("Missing API key: send it as 'Authorization: Bearer <key>'");
    res.locals.caller = await identify(token);
    next();
  };

  async function identify(token: string): Promise<Caller> {
    const tokenDigest = digest(token);
    if (timingSafeEqual(tokenDigest, expected)) return { kind: "master", actor: "proxy_admin", access: fullAccess };
    const tokenHex = tokenDigest.toString("hex");
    if (!keys.get(tokenHex)) await ensureFresh();
    const key = keys.get(tokenHex);
    if (!key) throw ApiError.unauthorized("Invalid API key");
    if (isExpired(key)) throw ApiError.unauthorized("API key expired");
    return { kind: "virtual", actor: `key:${key.keyAlias ?? key.keyName}`, access: keyAccess(key, registry), key };
  }
}

export function callerOf(res: Response): Caller {
  const caller = res.locals.caller as Caller | undefined;
  if (!caller) throw new Error("route is not behind authenticate()");
  return caller;
}

/** Management routes: the master key only. */
export function requireAdmin(): RequestHandler {
  return (_req, res, next) => {
    if (callerOf(res).kind !== "master") {
      throw ApiError.forbidden("This endpoint needs the master key; virtual keys can only call models and list them");
    }
    next();
  };
}
