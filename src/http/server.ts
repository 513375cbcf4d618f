import { createServer, type RequestListener, type Server } from "node:http";
import type { ServerLimits } from "../config/env.js";

/**
 * The HTTP server every replica listens with, tests included, so they run under the same limits: a client that
 * trickles its headers (slowloris) or its body is cut off by the timeouts, and past the connection cap new
 * connections are closed at once instead of exhausting file descriptors. Streams are not timed here: once a
 * request has arrived, its response may take as long as the upstream does.
 */
export function createHttpServer(listener: RequestListener, limits: ServerLimits): Server {
  // Node checks the two request timeouts on this interval (30 s by default), so a short timeout needs a short one.
  const shortest = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(shortest / 4))),
    },
    listener,
  );
  server.maxConnections = limits.maxConnections;
  return server;
}
