import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";

// The admin page's session: the master key is exchanged once for a signed, expiring cookie. The signing key is
// derived from the master key, so every replica verifies a cookie another replica issued (no session store), and
// changing the master key ends every session. The CSRF token is derived from the session's nonce: the page sends it
// back as a header, which a cross-site form or request cannot do.

export const SESSION_COOKIE = "sb_session";
export const CSRF_HEADER = "x-csrf-token";
/** How long a session lasts from sign-in (no sliding renewal: sign in again after it). */
export const SESSION_TTL_SECONDS = 8 * 60 * 60;

export interface UiSession {
  /** Seconds since the epoch. */
  expiresAt: number;
  csrfToken: string;
}

export interface IssuedSession extends UiSession {
  cookieValue: string;
}

export interface SessionSigner {
  issue(nowMs: number): IssuedSession;
  /** The session a cookie value carries, when its signature holds and it has not expired. */
  verify(cookieValue: string, nowMs: number): UiSession | undefined;
}

function mac(key: Buffer, text: string): string {
  return createHmac("sha256", key).update(text).digest("base64url");
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function createSessionSigner(masterKey: string, ttlSeconds = SESSION_TTL_SECONDS): SessionSigner {
  if (masterKey === "") throw new Error("the admin page's sessions need a non-empty master key");
  const key = Buffer.from(hkdfSync("sha256", masterKey, "switchboard-ui", "session-signing-v1", 32));
  const csrfFor = (nonce: string) => mac(key, `csrf.${nonce}`);
  return {
    issue(nowMs) {
      const expiresAt = Math.floor(nowMs / 1000) + ttlSeconds;
      const nonce = randomBytes(18).toString("base64url");
      const body = `v1.${expiresAt}.${nonce}`;
      return { cookieValue: `${body}.${mac(key, body)}`, expiresAt, csrfToken: csrfFor(nonce) };
    },
    verify(cookieValue, nowMs) {
      const parts = cookieValue.split(".");
      if (parts.length !== 4 || parts[0] !== "v1") return undefined;
      const [, expires = "", nonce = "", signature = ""] = parts;
      if (!sameText(signature, mac(key, `v1.${expires}.${nonce}`))) return undefined;
      const expiresAt = Number(expires);
      if (!Number.isInteger(expiresAt) || expiresAt * 1000 <= nowMs) return undefined;
      return { expiresAt, csrfToken: csrfFor(nonce) };
    },
  };
}

/** One cookie's value from a Cookie header, undefined when absent. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(";")) {
    const at = pair.indexOf("=");
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return undefined;
}

/** Whether a request's CSRF header matches its session. */
export function csrfMatches(session: UiSession, header: string | undefined): boolean {
  return header !== undefined && sameText(header, session.csrfToken);
}

/** The Set-Cookie value that starts a session; Secure when the page was reached over https. */
export function sessionCookie(issued: IssuedSession, nowMs: number, secure: boolean): string {
  const maxAge = Math.max(0, issued.expiresAt - Math.floor(nowMs / 1000));
  return cookieAttributes(`${SESSION_COOKIE}=${issued.cookieValue}`, maxAge, secure);
}

/** The Set-Cookie value that ends a session. */
export function clearedSessionCookie(secure: boolean): string {
  return cookieAttributes(`${SESSION_COOKIE}=`, 0, secure);
}

function cookieAttributes(pair: string, maxAge: number, secure: boolean): string {
  return `${pair}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure ? "; Secure" : ""}`;
}
