import type { CostMap } from "../cost/cost-map.js";
import { providerAdapters } from "../proxy/providers/index.js";
import { attemptDeployment, type ClientConnection } from "../proxy/upstream-attempt.js";
import type { UpstreamClient } from "../proxy/upstream-client.js";
import type { Deployment } from "../registry/deployment.js";
import { failureText } from "./failure-text.js";
import { buildProbe } from "./probe.js";

export type CheckOutcome =
  { deployment: Deployment; healthy: true } | { deployment: Deployment; healthy: false; error: string };

export interface CheckDeps {
  client: UpstreamClient;
  costMap: CostMap;
}

/** LiteLLM's answer when the health check's own timeout expires first. */
const TIMEOUT_EXCEEDED = "Timeout exceeded";

/** Why a deployment cannot be called at all, found without a network round trip. */
function notCallable(deployment: Deployment): string | undefined {
  const missing = deployment.missingEnv[0];
  if (missing) {
    return `litellm.AuthenticationError: environment variable ${missing.variable} is not set (${missing.field}); the deployment cannot be called until it is`;
  }
  if (!deployment.callable) {
    return `litellm.BadRequestError: provider "${deployment.provider}" cannot be called by Switchboard yet`;
  }
  return undefined;
}

/**
 * One real call to one deployment through the proxy's own upstream path (adapters, client, timeouts), outside the
 * router: a health check neither picks among deployments nor counts towards cooldowns. Throws ClientGoneError when
 * `connection` goes (the replica is closing, or the caller of an on-demand check left).
 */
export async function checkDeployment(
  deployment: Deployment,
  deps: CheckDeps,
  connection: ClientConnection,
): Promise<CheckOutcome> {
  const refused = notCallable(deployment);
  if (refused) return { deployment, healthy: false, error: refused };
  const probe = buildProbe(deployment, deps.costMap);
  if (typeof probe === "string") return { deployment, healthy: false, error: `litellm.BadRequestError: ${probe}` };
  const adapter = providerAdapters[deployment.provider as keyof typeof providerAdapters];
  if (!adapter.supports(probe.op)) {
    return {
      deployment,
      healthy: false,
      error: `litellm.BadRequestError: ${deployment.provider} deployments do not support ${probe.op}`,
    };
  }
  const result = await attemptDeployment(deps.client, {
    op: probe.op,
    body: probe.body,
    stream: false,
    model: deployment.modelName,
    group: deployment.modelName,
    deployment: probe.deployment,
    adapter,
    timeoutMs: probe.timeoutMs,
    client: connection,
  });
  if (result.kind !== "failed") return { deployment, healthy: true };
  if (result.error.code === "upstream_timeout" && probe.healthTimeoutBounds)
    return { deployment, healthy: false, error: TIMEOUT_EXCEEDED };
  return { deployment, healthy: false, error: failureText(result.error, deployment, result.cause) };
}
