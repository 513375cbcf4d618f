import { hash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { z } from "zod";
import { ApiError } from "../../errors/api-error.js";
import type { SyncStatus } from "../../sync/revision-sync.js";
import { CONTENT_SECURITY_POLICY } from "../../ui/assets.js";
import { clearedSessionCookie, cookieValue, SESSION_COOKIE, sessionCookie, type UiSession } from "../../ui/session.js";
import type { UiKit } from "../../ui/ui-kit.js";
import { defineRoute } from "../route.js";

export interface UiRouteDeps {
  ui: UiKit;
  masterKey: string;
  syncStatus: () => SyncStatus;
  isDraining: () => boolean;
}

/** How often the live feed looks at this replica's applied revision (an in-memory read). */
const LIVE_POLL_MS = 200;
const LIVE_HEARTBEAT_MS = 15_000;
const ASSET_CACHE = "public, max-age=31536000, immutable";

const tags = ["admin page"];
const html = { mediaType: "text/html", schema: z.string() };

const signInBodySchema = z.object({ master_key: z.string().min(1).max(4096) });

const sessionSchema = z.object({
  csrf_token: z.string().describe("Send back as the x-csrf-token header with every API call made with the cookie"),
  expires_at: z.iso.datetime(),
  replica_id: z.string(),
  applied_revision: z.number().int(),
});

function secureRequest(req: IncomingMessage): boolean {
  return (req.socket as Partial<TLSSocket>).encrypted === true || req.headers["x-forwarded-proto"] === "https";
}

function pageHeaders(res: ServerResponse): void {
  res.setHeader("content-security-policy", CONTENT_SECURITY_POLICY);
  res.setHeader("x-content-type-options", "nosniff");
  res.setHeader("referrer-policy", "no-referrer");
  res.setHeader("x-frame-options", "DENY");
}

function sessionOf(req: IncomingMessage, deps: UiRouteDeps): UiSession | undefined {
  const value = cookieValue(req.headers.cookie, SESSION_COOKIE);
  return value === undefined ? undefined : deps.ui.signer.verify(value, Date.now());
}

function sessionView(session: UiSession, deps: UiRouteDeps) {
  return {
    csrf_token: session.csrfToken,
    expires_at: new Date(session.expiresAt * 1000).toISOString(),
    replica_id: deps.ui.replicaId,
    applied_revision: deps.syncStatus().appliedRevision,
  };
}

function isMasterKey(candidate: string, masterKey: string): boolean {
  return timingSafeEqual(hash("sha256", candidate, "buffer"), hash("sha256", masterKey, "buffer"));
}

/** The live feed: one `revision` event now and whenever this replica applies a newer revision. */
function streamRevisions(req: IncomingMessage, res: ServerResponse, deps: UiRouteDeps): void {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    "x-accel-buffering": "no",
  });
  let sent = -1;
  let idle = 0;
  const tick = () => {
    if (deps.isDraining()) return stop();
    const revision = deps.syncStatus().appliedRevision;
    idle += LIVE_POLL_MS;
    if (revision !== sent) {
      sent = revision;
      idle = 0;
      res.write(`event: revision\ndata: ${JSON.stringify({ replica_id: deps.ui.replicaId, revision })}\n\n`);
    } else if (idle >= LIVE_HEARTBEAT_MS) {
      idle = 0;
      res.write(": keep-alive\n\n");
    }
  };
  const timer = setInterval(tick, LIVE_POLL_MS);
  const stop = () => {
    clearInterval(timer);
    if (!res.writableEnded) res.end();
  };
  req.on("close", stop);
  tick();
}

export const uiRoutes = [
  defineRoute({
    method: "get",
    path: "/",
    summary: "Redirects a browser to the admin page",
    tags,
    security: "none",
    ignoresBody: true,
    response: html,
    responseDescription: "Never sent: the answer is a 302 to /ui",
    errors: [],
    handler: ({ res }) => {
      res.writeHead(302, { location: "/ui" }).end();
    },
  }),
  defineRoute({
    method: "get",
    path: "/ui",
    aliases: ["/ui/keys", "/ui/history"],
    summary: "The admin page (models, keys, history), live on every replica",
    tags,
    security: "none",
    ignoresBody: true,
    response: html,
    errors: [],
    handler: ({ res }, deps: UiRouteDeps) => {
      pageHeaders(res);
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(deps.ui.assets.page);
    },
  }),
  defineRoute({
    method: "get",
    path: "/ui/assets/{file}",
    summary: "The admin page's script and stylesheet, by content-hashed name (cached for a year)",
    tags,
    security: "none",
    ignoresBody: true,
    params: { file: "A hashed file name as the page names it" },
    response: { mediaType: "text/javascript", schema: z.string() },
    errors: [404],
    handler: ({ params, req, res }, deps: UiRouteDeps) => {
      const asset = deps.ui.assets.byName.get(params.file ?? "");
      if (!asset) throw ApiError.routeNotFound(req.method ?? "GET", req.url ?? "");
      pageHeaders(res);
      res.setHeader("cache-control", ASSET_CACHE);
      res.writeHead(200, { "content-type": asset.contentType }).end(asset.body);
    },
  }),
  defineRoute({
    method: "post",
    path: "/ui/login",
    summary: "Exchanges the master key for a session cookie (HttpOnly, SameSite=Strict, signed, expiring)",
    description: "The cookie then authenticates the API routes, with the x-csrf-token header this answer carries.",
    tags,
    security: "none",
    body: signInBodySchema,
    response: sessionSchema,
    errors: [400, 401, 413, 415],
    handler: ({ body, req, res }, deps: UiRouteDeps) => {
      if (!isMasterKey(body.master_key, deps.masterKey)) throw ApiError.unauthorized("Invalid master key");
      const now = Date.now();
      const issued = deps.ui.signer.issue(now);
      res.setHeader("set-cookie", sessionCookie(issued, now, secureRequest(req)));
      return sessionView(issued, deps);
    },
  }),
  defineRoute({
    method: "post",
    path: "/ui/logout",
    summary: "Ends the browser's session (clears the cookie)",
    tags,
    security: "none",
    ignoresBody: true,
    response: z.object({ message: z.string() }),
    errors: [],
    handler: ({ req, res }) => {
      res.setHeader("set-cookie", clearedSessionCookie(secureRequest(req)));
      return { message: "signed out" };
    },
  }),
  defineRoute({
    method: "get",
    path: "/ui/session",
    summary: "The session the cookie carries: its CSRF token, expiry, and the replica serving it",
    tags,
    security: "none",
    ignoresBody: true,
    response: sessionSchema,
    errors: [401],
    handler: ({ req }, deps: UiRouteDeps) => {
      const session = sessionOf(req, deps);
      if (!session) throw ApiError.unauthorized("Not signed in");
      return sessionView(session, deps);
    },
  }),
  defineRoute({
    method: "get",
    path: "/ui/events",
    summary: "Server-sent events: this replica's applied revision, sent whenever it changes",
    tags,
    security: "none",
    ignoresBody: true,
    response: { mediaType: "text/event-stream", schema: z.string() },
    errors: [401],
    handler: ({ req, res }, deps: UiRouteDeps) => {
      if (!sessionOf(req, deps)) throw ApiError.unauthorized("Not signed in");
      streamRevisions(req, res, deps);
    },
  }),
];
