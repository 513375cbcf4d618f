import type { CostMap, CostMapEntry } from "../cost/cost-map.js";
import { effectivePrices } from "../cost/deployment-cost.js";
import { ApiError } from "../errors/api-error.js";
import type { Logger } from "../logging/logger.js";
import type { Deployment } from "../registry/deployment.js";
import type { ModelRegistry } from "../registry/model-registry.js";
import { isSupportedProvider } from "../registry/providers.js";
import type { ModelAccess } from "../keys/model-access.js";
import type { ProxyOperation } from "./provider-adapter.js";
import { providerAdapters } from "./providers/index.js";
import type { DeploymentRouter, RoutingSettings } from "./router.js";
import { type AttemptResult, attemptDeployment, type ClientConnection, type Usage } from "./upstream-attempt.js";
import type { UpstreamClient } from "./upstream-client.js";

export interface ProxyRequest {
  /** Groups the caller may reach; others (fallbacks included) are treated as if they did not exist. */
  access: ModelAccess;
  op: ProxyOperation;
  model: string;
  body: Record<string, unknown>;
  stream: boolean;
  client: ClientConnection;
}

export type ProxyOutcome =
  | { kind: "json"; deployment: Deployment; body: string; costUsd?: number }
  | { kind: "stream"; deployment: Deployment; source: AsyncIterable<string | Buffer>; finish: () => void };

/** Why a group or deployment gave no answer, and whether another deployment might. */
interface Failure {
  failure: ApiError;
  retryable: boolean;
}

/** What operators want counted; the metrics module implements it, tests may pass a no-op. */
export interface ProxyObserver {
  upstreamAnswered(deploymentId: string, seconds: number): void;
  upstreamFailed(deploymentId: string, kind: string): void;
}

export interface ProxyServiceDeps {
  observer?: ProxyObserver;
  /** Called before answering model_not_found: the model may have been added through another replica just now. */
  ensureFresh?: () => Promise<void>;
  registry: ModelRegistry;
  router: DeploymentRouter;
  settings: RoutingSettings;
  client: UpstreamClient;
  costMap: CostMap;
  logger: Logger;
}

/**
 * Routes one OpenAI-format call: a deployment of the requested group, `num_retries` more on other deployments
 * when one fails in a retryable way, then the configured fallback groups. Client errors end it at once.
 */
export function createProxyService(deps: ProxyServiceDeps) {
  const { registry, router, settings } = deps;

  async function tryGroup(request: ProxyRequest, group: string): Promise<ProxyOutcome | Failure> {
    const members = registry.resolve(group);
    const tried = new Set<string>();
    let last: Failure | undefined;
    for (let attempt = 0; attempt <= settings.numRetries; attempt++) {
      const deployment = router.pick(members, tried);
      if (!deployment) break;
      tried.add(deployment.id);
      const result = await callDeployment(request, deployment);
      if (!("failure" in result)) return result;
      last = result;
      if (!result.retryable) return result;
    }
    return last ?? { failure: noHealthyDeployment(group), retryable: true };
  }

  async function callDeployment(request: ProxyRequest, deployment: Deployment): Promise<ProxyOutcome | Failure> {
    const missing = deployment.missingEnv[0];
    if (missing) {
      // Another deployment of the group may be configured fine, so this one is skipped rather than fatal.
      const message = `Model '${deployment.modelName}' (deployment ${deployment.id}) cannot be called: environment variable ${missing.variable} is not set (${missing.field})`;
      return { failure: new ApiError(500, "server_error", "missing_credentials", message), retryable: true };
    }
    if (!isSupportedProvider(deployment.provider)) return { failure: noHealthyDeployment(deployment.modelName), retryable: true };
    const adapter = providerAdapters[deployment.provider];
    if (!adapter.supports(request.op)) {
      const message = `Model '${request.model}' (${deployment.provider}) does not support ${request.op}`;
      return { failure: ApiError.badRequest(message, "model", "unsupported_operation"), retryable: false };
    }
    router.begin(deployment.id);
    const started = performance.now();
    let result: AttemptResult;
    try {
      // Fields named one by one: an object spread here measured as a slow generic copy on every call.
      result = await attemptDeployment(deps.client, {
        op: request.op,
        body: request.body,
        stream: request.stream,
        model: request.model,
        client: request.client,
        deployment,
        adapter,
        timeoutMs: timeoutOf(deployment, settings.timeoutMs),
      });
    } catch (error) {
      router.end(deployment.id);
      throw error;
    }
    if (result.kind === "failed") deps.observer?.upstreamFailed(deployment.id, result.error.code);
    else deps.observer?.upstreamAnswered(deployment.id, (performance.now() - started) / 1000);
    return settle(result, deployment);
  }

  function settle(result: AttemptResult, deployment: Deployment): ProxyOutcome | Failure {
    if (result.kind === "failed") {
      router.end(deployment.id);
      if (result.retryable) router.recordFailure(deployment.id);
      deps.logger.warn({ deploymentId: deployment.id, status: result.error.status, code: result.error.code }, "upstream call failed");
      return { failure: result.error, retryable: result.retryable };
    }
    router.recordSuccess(deployment.id);
    if (result.kind === "stream") {
      return {
        kind: "stream",
        deployment,
        source: result.source,
        finish: () => {
          router.end(deployment.id);
          result.finish();
        },
      };
    }
    router.end(deployment.id);
    return { kind: "json", deployment, body: result.body, costUsd: costOf(deployment, result.usage) };
  }

  // Deployments are immutable values replaced on every change, so their prices can be remembered per object.
  const prices = new WeakMap<Deployment, CostMapEntry | undefined>();
  function costOf(deployment: Deployment, usage: Usage | undefined): number | undefined {
    if (!usage) return undefined;
    if (!prices.has(deployment)) prices.set(deployment, effectivePrices(deployment, deps.costMap));
    return deps.costMap.costOf(prices.get(deployment), usage);
  }

  return {
    async handle(request: ProxyRequest): Promise<ProxyOutcome> {
      // Same work for a missing and a hidden model, so their answers cannot be told apart by timing either.
      if (registry.resolve(request.model).length === 0 || !request.access.allows(request.model)) await deps.ensureFresh?.();
      if (registry.resolve(request.model).length === 0 || !request.access.allows(request.model)) {
        throw ApiError.modelNotFound(request.model);
      }
      let outcome = await tryGroup(request, request.model);
      for (const fallback of settings.fallbacks.get(request.model) ?? []) {
        if (!("failure" in outcome) || !outcome.retryable) break;
        if (registry.resolve(fallback).length === 0 || !request.access.allows(fallback)) continue;
        deps.logger.info({ from: request.model, to: fallback }, "falling back to another model group");
        outcome = await tryGroup(request, fallback);
      }
      if ("failure" in outcome) throw outcome.failure;
      return outcome;
    },
    inFlight: () => router.inFlightCount(),
    coolingDown: () => router.coolingDownCount(),
  };
}

export type ProxyService = ReturnType<typeof createProxyService>;

function noHealthyDeployment(group: string): ApiError {
  return new ApiError(429, "rate_limit_error", "no_healthy_deployment", `No deployment of model '${group}' is available right now: all are cooling down after failures. Try again shortly.`);
}

/** Node timers overflow past 2^31-1 ms (and then fire at once), so longer timeouts are capped there. */
const MAX_TIMER_MS = 2_147_483_647;

function timeoutOf(deployment: Deployment, fallbackMs: number): number {
  const seconds = deployment.litellmParams.timeout;
  const ms = typeof seconds === "number" && seconds > 0 ? seconds * 1000 : fallbackMs;
  return Math.min(ms, MAX_TIMER_MS);
}

