import { Agent, type Dispatcher } from "undici";
import type { AbortSwitch } from "./abort-switch.js";
import type { UpstreamRequest } from "./provider-adapter.js";

export interface UpstreamResponse {
  status: number;
  body: Dispatcher.ResponseData["body"];
}

export interface UpstreamClient {
  /** `idleTimeoutMs`: the longest silence allowed between two body chunks (a stalled stream fails instead of hanging). */
  send(request: UpstreamRequest, signal: AbortSwitch, idleTimeoutMs?: number): Promise<UpstreamResponse>;
  close(): Promise<void>;
}

/**
 * One undici Agent for the process: it keeps a keep-alive connection pool per upstream origin, created on
 * first use and reused by every request after. Timeouts are per deployment: the wait for the reply is ours, the
 * silence allowed between body chunks is undici's bodyTimeout, set per request.
 */
export function createUpstreamClient(options: { connectionsPerOrigin?: number } = {}): UpstreamClient {
  const agent = new Agent({
    connections: options.connectionsPerOrigin ?? 256,
    keepAliveTimeout: 30_000,
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  const targets = new Map<string, { origin: string; path: string }>();
  // A deployment's URL is the same on every call: parsed once (the map is bounded by being cleared when full).
  const targetOf = (url: string) => {
    let target = targets.get(url);
    if (!target) {
      const parsed = new URL(url);
      target = { origin: parsed.origin, path: parsed.pathname + parsed.search };
      if (targets.size >= 1000) targets.clear();
      targets.set(url, target);
    }
    return target;
  };
  return {
    async send(request, signal, idleTimeoutMs) {
      const { origin, path } = targetOf(request.url);
      const response = await agent.request({
        origin,
        path,
        method: "POST",
        headers: request.headers,
        body: request.body,
        signal,
        bodyTimeout: idleTimeoutMs ?? 0,
      });
      return { status: response.statusCode, body: response.body };
    },
    close: () => agent.close(),
  };
}
