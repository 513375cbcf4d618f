import { hash, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { ApiError } from "../../errors/api-error.js";
import type { KeyRegistry } from "../../keys/key-registry.js";
import { fullAccess, keyAccess, type ModelAccess } from "../../keys/model-access.js";
import { isExpired, type VirtualKey } from "../../keys/virtual-key.js";
import type { ModelRegistry } from "../../registry/model-registry.js";
import { cookieValue, CSRF_HEADER, csrfMatches, SESSION_COOKIE, type SessionSigner } from "../../ui/session.js";

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
  /** Verifies the admin page's session cookies (the same signer its sign-in route issues them with). */
  sessions: SessionSigner;
}

/**
 * `Authorization: Bearer <key>`, else LiteLLM's `x-litellm-api-key`, else Azure-style `api-key`, else Anthropic-style
 * `x-api-key` (what Anthropic's clients send; LiteLLM accepts each of these on every route).
 */
function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(headers.authorization?.trim() ?? "")?.[1]?.trim();
  return (
    bearer ||
    single(headers["x-litellm-api-key"])?.trim() ||
    single(headers["api-key"])?.trim() ||
    single(headers["x-api-key"])?.trim() ||
    undefined
  );
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function digest(secret: string): Buffer {
  return hash("sha256", secret, "buffer");
}

/**
 * Who sent these headers: the master key, or a virtual key looked up in memory (kept current by the change feed,
 * so there is no database read per request). Throws 401 otherwise. An empty master key never disables this.
 */
export function createAuthenticator({
  masterKey,
  keys,
  registry,
  ensureFresh,
  sessions,
}: AuthDeps): (headers: IncomingHttpHeaders) => Promise<Caller> {
  if (masterKey === "") throw new Error("authentication needs a non-empty master key");
  // Comparing digests is constant-time whatever the lengths; the key's own digest is computed once.
  const expected = digest(masterKey);
  const master: Caller = { kind: "master", actor: "proxy_admin", access: fullAccess };
  // A key's caller (with its access rules) is built once per key object; the registry replaces the object whenever
  // the key changes. Callers are never mutated.
  const callers = new WeakMap<VirtualKey, Caller>();
  const callerOf = (key: VirtualKey): Caller => {
    let caller = callers.get(key);
    if (!caller) {
      const access = keyAccess(key, registry);
      caller = { kind: "virtual", actor: `key:${key.keyAlias ?? key.keyName}`, access, key };
      callers.set(key, caller);
    }
    return caller;
  };
  return async (headers) => {
    const token = bearerToken(headers);
    if (!token) {
      // The admin page's session cookie stands for the master key, only with its CSRF header (on every method).
      const session = sessions.verify(cookieValue(headers.cookie, SESSION_COOKIE) ?? "", Date.now());
      if (session && csrfMatches(session, single(headers[CSRF_HEADER]))) return master;
      if (session) throw ApiError.forbidden(`Missing or invalid ${CSRF_HEADER} header for this session`);
      throw ApiError.unauthorized("Missing API key: send it as 'Authorization: Bearer <key>'");
    }
    const tokenDigest = digest(token);
    if (timingSafeEqual(tokenDigest, expected)) return master;
    const tokenHex = tokenDigest.toString("hex");
    if (!keys.get(tokenHex)) await ensureFresh();
    const key = keys.get(tokenHex);
    if (!key) throw ApiError.unauthorized("Invalid API key");
    if (isExpired(key)) throw ApiError.unauthorized("API key expired");
    if (key.blocked === true)
      throw ApiError.unauthorized("Key is blocked. Update via `/key/update` with blocked: false if you're an admin.");
    return callerOf(key);
  };
}

/** Management routes: the master key only. */
export function assertMaster(caller: Caller): void {
  if (caller.kind !== "master") {
    throw ApiError.forbidden(
      "This endpoint needs the master key; virtual keys can only call models, list them and read their own /key/info",
    );
  }
}
