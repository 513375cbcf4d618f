import type { Readable } from "node:stream";
import { type CostMap, type CostMapEntry, isSaneUsage } from "../cost/cost-map.js";
import { effectivePrices } from "../cost/deployment-cost.js";
import { ApiError } from "../errors/api-error.js";
import type { Logger } from "../logging/logger.js";
import { type Deployment, preferCallable } from "../registry/deployment.js";
import type { ModelRegistry } from "../registry/model-registry.js";
import { isSupportedProvider, notCallableMessage } from "../registry/providers.js";
import { secretValues } from "../registry/secret-scrub.js";
import type { ModelAccess } from "../keys/model-access.js";
import type { CallOptions } from "./call-options.js";
import { createClientAuth } from "./clientside-auth.js";
import { mockAttempt, mockTestingFailure } from "./mock-response.js";
import type { ProviderAdapter, ProxyOperation } from "./provider-adapter.js";
import { providerAdapters } from "./providers/index.js";
import { limitOf } from "./deployment-usage.js";
import { type BilledUnits, unitCost } from "./media/billed-units.js";
import { adapterForCall } from "./messages/messages-adapters.js";
import type { DeploymentRouter, RoutingSettings } from "./router.js";
import type { StreamSettings } from "./stream-settings.js";
import {
  type AttemptResult,
  attemptDeployment,
  type ClientConnection,
  MAX_TIMER_MS,
  type Usage,
  wantsUsage,
} from "./upstream-attempt.js";
import type { UpstreamClient } from "./upstream-client.js";

export interface ProxyRequest {
  /** Groups the caller may reach; others (fallbacks included) are treated as if they did not exist. */
  access: ModelAccess;
  /** The key's allow-list as it was written, for LiteLLM's access-denied message; undefined for the master key. */
  allowList?: readonly string[];
  /** LiteLLM's per-call parameters (mock_response, fallbacks, num_retries, timeout, drop_params). */
  options: CallOptions;
  op: ProxyOperation;
  model: string;
  body: Record<string, unknown>;
  stream: boolean;
  client: ClientConnection;
  /**
   * A stream's usage is wanted (spend is recorded, or the key has a tpm limit): it is read as it is relayed (and asked
   * of OpenAI-compatible upstreams).
   */
  recordUsage?: boolean;
  /** Caller headers an adapter may forward (Anthropic's `anthropic-beta` on the Messages routes). */
  headers?: Readonly<Record<string, string>>;
}

/** How the answer was reached, for LiteLLM's x-litellm-* response headers. */
export interface CallTrace {
  /** The model group that answered (the requested one, or a fallback). */
  group: string;
  /** Deployments called before the one that answered, in the answering group. */
  retries: number;
  /** Fallback groups tried. */
  fallbacks: number;
  /** Time spent waiting for upstreams (to the first byte for streams), over every attempt. */
  upstreamMs: number;
}

export type ProxyOutcome =
  | {
      kind: "json";
      deployment: Deployment;
      body: string;
      costUsd?: number;
      /** The upstream's token counts, when it sent them (key tpm limits count them). */
      usage?: Usage;
      trace: CallTrace;
    }
  | {
      kind: "stream";
      deployment: Deployment;
      source: AsyncIterable<string | Buffer>;
      finish: () => void;
      trace: CallTrace;
      /** `stream_idle_timeout`: how long the caller may leave the stream unread before it is cut off. */
      idleTimeoutMs: number;
      /** Once the stream is over: the (sane) usage it reported and its cost; undefined when none came. */
      spent: () => { usage: Usage; costUsd?: number } | undefined;
      /** Applied by the relay to each chunk it writes (the secret mask), when set. */
      rewrite?: (chunk: Buffer) => Buffer;
    }
  | {
      /** Speech audio or a transcription as text: relayed with the upstream's content type. */
      kind: "media";
      deployment: Deployment;
      contentType: string;
      source: Readable;
      finish: () => void;
      costUsd?: number;
      trace: CallTrace;
      idleTimeoutMs: number;
    };

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
  streams: StreamSettings;
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
  const withClientAuth = createClientAuth();

  /** `trace` is filled in as deployments are tried; the answer carries it. */
  async function tryGroup(request: ProxyRequest, group: string, trace: CallTrace): Promise<ProxyOutcome | Failure> {
    const members = preferCallable(registry.resolve(group));
    const tried = new Set<string>();
    const numRetries = request.options.numRetries ?? settings.numRetries;
    let last: Failure | undefined;
    for (let attempt = 0; attempt <= numRetries; attempt++) {
      let deployment = router.pick(members, tried);
      // Only a deployment with `rpm` costs a round trip: its call is counted for the cluster before it is made.
      if (deployment && router.needsClaim(deployment)) deployment = await router.claim(members, tried, deployment);
      if (!deployment) {
        if (router.atLimit(members, tried))
          last ??= { failure: ApiError.deploymentsAtLimit(group, router.usage.secondsLeft()), retryable: true };
        break;
      }
      tried.add(deployment.id);
      trace.retries = attempt;
      const result = await callDeployment(request, deployment, group, trace);
      if (!("failure" in result)) return result;
      last = result;
      if (!result.retryable) return result;
    }
    return last ?? { failure: ApiError.noHealthyDeployment(group), retryable: true };
  }

  /** A call the caller asked to be faked (LiteLLM's mock_response, mock_testing_*), or undefined for a real one. */
  function mockedResult(request: ProxyRequest, group: string): AttemptResult | undefined {
    const { options } = request;
    if (group === request.model && options.mockRateLimit) return mockTestingFailure("rate_limit", group);
    if (group === request.model && options.mockFallbacks) return mockTestingFailure("fallbacks", group);
    if (options.mockResponse === undefined) return undefined;
    const includeUsage = wantsUsage(request.body);
    return mockAttempt({
      op: request.op,
      mock: options.mockResponse,
      model: request.model,
      stream: request.stream,
      includeUsage,
    });
  }

  /** The deployment's adapter when the call can be made as asked (credentials, provider, operation, params). */
  function adapterFor(request: ProxyRequest, deployment: Deployment): ProviderAdapter | Failure {
    if (!isSupportedProvider(deployment.provider)) {
      // Retryable so a configured fallback group may still answer; callable siblings were already preferred.
      return { failure: ApiError.unsupportedProvider(notCallableMessage(deployment), "model"), retryable: true };
    }
    // A mocked call never reaches the provider, so it needs no credentials (as in LiteLLM: mock_response works keyless).
    const missing = request.options.mockResponse === undefined ? deployment.missingEnv[0] : undefined;
    if (missing) {
      // Another deployment of the group may be configured fine, so this one is skipped rather than fatal.
      const failure = ApiError.missingCredentials(deployment, missing.variable, missing.field);
      return { failure, retryable: true };
    }
    const adapter = adapterForCall(request.op, providerAdapters[deployment.provider]);
    if (!adapter.supports(request.op)) {
      const failure = ApiError.unsupportedOperation(request.model, deployment.provider, request.op);
      return { failure, retryable: false };
    }
    const dropping = request.options.dropParams ?? settings.dropParams;
    const unsupported = dropping ? undefined : adapter.unsupportedParams?.(request.op, request.body);
    if (unsupported !== undefined && unsupported.length > 0) {
      const failure = ApiError.unsupportedParams(deployment.provider, deployment.upstreamModel, unsupported);
      return { failure, retryable: false };
    }
    return adapter;
  }

  async function callDeployment(
    request: ProxyRequest,
    routed: Deployment,
    group: string,
    trace: CallTrace,
  ): Promise<ProxyOutcome | Failure> {
    const deployment = withClientAuth(routed, request.options.clientAuth);
    const adapter = adapterFor(request, deployment);
    if ("failure" in adapter) return adapter;
    const mocked = mockedResult(request, group);
    // A faked answer says nothing about the upstream: no cooldown bookkeeping, no upstream metrics.
    if (mocked)
      return mocked.kind === "failed"
        ? { failure: mocked.error, retryable: mocked.retryable }
        : settle(mocked, routed, false, trace);
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
        group,
        client: request.client,
        // A stream's tokens are read for spend, for the key's tpm, or for the deployment's own tpm.
        recordUsage: request.recordUsage === true || (request.stream && limitOf(deployment, "tpm") > 0),
        secrets: request.stream ? secretsOf(deployment) : undefined,
        headers: request.headers,
        deployment,
        adapter,
        timeoutMs: timeoutOf(deployment, settings.timeoutMs, request.options.timeoutMs),
      });
    } catch (error) {
      router.end(deployment.id);
      throw error;
    } finally {
      trace.upstreamMs += performance.now() - started;
    }
    if (result.kind === "failed") {
      if (!result.beforeCall) deps.observer?.upstreamFailed(deployment.id, result.error.code);
    } else deps.observer?.upstreamAnswered(deployment.id, (performance.now() - started) / 1000);
    return settle(result, routed, true, trace); // the configured deployment: a caller's key stays out of the outcome
  }

  function settle(
    result: AttemptResult,
    deployment: Deployment,
    real: boolean,
    trace: CallTrace,
  ): ProxyOutcome | Failure {
    if (result.kind === "failed") {
      router.end(deployment.id);
      const { status, code } = result.error;
      const line = { deploymentId: deployment.id, status, code, cause: result.cause };
      if (result.beforeCall) {
        // Not the deployment's fault: one caller's unsendable body must not cool it down for everyone else.
        deps.logger[status >= 500 ? "error" : "warn"](line, "call failed before reaching the upstream");
        return { failure: result.error, retryable: false };
      }
      if (result.retryable) router.recordFailure(deployment.id);
      deps.logger.warn(line, "upstream call failed");
      return { failure: result.error, retryable: result.retryable };
    }
    if (result.kind === "stream") {
      return {
        kind: "stream",
        deployment,
        source: result.source,
        rewrite: result.rewrite,
        trace,
        idleTimeoutMs: deps.streams.idleTimeoutMs,
        spent: () => {
          const usage = result.usage?.();
          // costOf logs usage that is not sane; such figures are not recorded either.
          const costUsd = usage && costOf(deployment, usage);
          return usage && isSaneUsage(usage) ? { usage, costUsd } : undefined;
        },
        finish: () => {
          if (real) {
            router.end(deployment.id);
            // The stream's usage, when it reported one (the proxy asks for it while spend is recorded).
            const usage = result.usage?.();
            if (usage && isSaneUsage(usage))
              router.recordTokens(deployment, usage.promptTokens + usage.completionTokens);
          }
          result.finish();
        },
      };
    }
    if (result.kind === "media") {
      const { contentType, source } = result;
      const costUsd = result.units && unitCostOf(deployment, result.units);
      const finish = () => {
        if (real) router.end(deployment.id);
        result.finish();
      };
      return {
        kind: "media",
        deployment,
        contentType,
        source,
        finish,
        costUsd,
        trace,
        idleTimeoutMs: deps.streams.idleTimeoutMs,
      };
    }
    if (real) {
      router.end(deployment.id);
      if (result.usage) router.recordTokens(deployment, result.usage.promptTokens + result.usage.completionTokens);
    }
    return {
      kind: "json",
      deployment,
      body: result.body,
      costUsd: (result.units && unitCostOf(deployment, result.units)) ?? costOf(deployment, result.usage),
      usage: result.usage,
      trace,
    };
  }

  // Deployments are immutable values replaced on every change, so what is derived from one is remembered per object:
  // its secret values (masked wherever a relayed stream quotes them) and its prices.
  const secrets = new WeakMap<Deployment, readonly string[]>();
  function secretsOf(deployment: Deployment): readonly string[] {
    let found = secrets.get(deployment);
    if (!found) secrets.set(deployment, (found = secretValues(deployment)));
    return found;
  }
  const prices = new WeakMap<Deployment, CostMapEntry | undefined>();
  function pricesOf(deployment: Deployment): CostMapEntry | undefined {
    if (!prices.has(deployment)) prices.set(deployment, effectivePrices(deployment, deps.costMap));
    return prices.get(deployment);
  }
  /** Images, speech and transcriptions: priced per unit where the cost map says so, else per token as usual. */
  function unitCostOf(deployment: Deployment, units: BilledUnits): number | undefined {
    return unitCost(pricesOf(deployment), units);
  }
  function costOf(deployment: Deployment, usage: Usage | undefined): number | undefined {
    if (!usage) return undefined;
    if (!isSaneUsage(usage)) {
      // Priced as it came, 1e303 tokens would put an absurd cost in the header and in any spend built on it.
      deps.logger.warn(
        { deploymentId: deployment.id, usage },
        "upstream usage ignored for cost: not a sane token count",
      );
      return undefined;
    }
    return deps.costMap.costOf(pricesOf(deployment), usage);
  }

  /** LiteLLM's order: the key's allow-list first (the same answer whether the model exists or not), then existence. */
  async function assertCallable(request: Pick<ProxyRequest, "access" | "allowList">, model: string): Promise<void> {
    let known = registry.resolve(model).length > 0;
    let allowed = request.access.allows(model);
    if (!known || !allowed) {
      await deps.ensureFresh?.();
      known = registry.resolve(model).length > 0;
      allowed = request.access.allows(model);
    }
    if (!allowed) throw ApiError.keyModelAccessDenied(request.allowList ?? [], model);
    if (!known) throw ApiError.invalidModel(model);
  }

  /** Routes a call whose model assertCallable has already let through. */
  async function routeChecked(request: ProxyRequest): Promise<ProxyOutcome> {
    const trace: CallTrace = { group: request.model, retries: 0, fallbacks: 0, upstreamMs: 0 };
    let outcome = await tryGroup(request, request.model, trace);
    for (const fallback of request.options.fallbacks ?? settings.fallbacks.get(request.model) ?? []) {
      if (!("failure" in outcome) || !outcome.retryable) break;
      if (registry.resolve(fallback).length === 0 || !request.access.allows(fallback)) continue;
      deps.logger.info({ from: request.model, to: fallback }, "falling back to another model group");
      trace.group = fallback;
      trace.fallbacks += 1;
      outcome = await tryGroup(request, fallback, trace);
    }
    if ("failure" in outcome) throw outcome.failure;
    return outcome;
  }

  return {
    assertCallable,
    routeChecked,
    async handle(request: ProxyRequest): Promise<ProxyOutcome> {
      await assertCallable(request, request.model);
      return routeChecked(request);
    },
    inFlight: () => router.inFlightCount(),
    coolingDown: () => router.coolingDownCount(),
  };
}

export type ProxyService = ReturnType<typeof createProxyService>;

/** The caller's `timeout` wins; else the deployment's, else the router's. */
function timeoutOf(deployment: Deployment, fallbackMs: number, requestedMs: number | undefined): number {
  const seconds = deployment.litellmParams.timeout;
  const configured = typeof seconds === "number" && seconds > 0 ? seconds * 1000 : fallbackMs;
  return Math.min(requestedMs ?? configured, MAX_TIMER_MS);
}
