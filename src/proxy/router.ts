import type { LitellmSettings, RouterSettings } from "../config/config-file.js";
import type { Deployment } from "../registry/deployment.js";
import { Cooldowns } from "./cooldowns.js";
import { DeploymentUsage, limitOf } from "./deployment-usage.js";

export interface RoutingSettings {
  strategy: "simple-shuffle" | "least-busy" | "usage-based-routing-v2";
  numRetries: number;
  allowedFails: number;
  cooldownMs: number;
  /** Per-attempt timeout when the deployment sets none. */
  timeoutMs: number;
  fallbacks: ReadonlyMap<string, readonly string[]>;
  /** LiteLLM's `litellm_settings.drop_params`: OpenAI parameters a provider cannot express are dropped, not refused. */
  dropParams: boolean;
}

/** LiteLLM's router defaults, so a config.yaml behaves the same after the move. */
export function routingSettings(raw: RouterSettings, litellm: LitellmSettings = {}): RoutingSettings {
  const fallbacks = new Map<string, string[]>();
  for (const entry of raw.fallbacks ?? []) for (const [from, to] of Object.entries(entry)) fallbacks.set(from, to);
  return {
    strategy:
      raw.routing_strategy === "usage-based-routing"
        ? "usage-based-routing-v2"
        : (raw.routing_strategy ?? "simple-shuffle"),
    numRetries: raw.num_retries ?? 0,
    allowedFails: raw.allowed_fails ?? 3,
    cooldownMs: (raw.cooldown_time ?? 5) * 1000,
    timeoutMs: (raw.timeout ?? 600) * 1000,
    fallbacks,
    dropParams: litellm.drop_params ?? false,
  };
}

const WEIGHT_FIELDS = ["weight", "rpm", "tpm"] as const;

/** Where the router reads cooldowns and deployment usage; in memory for one replica unless given shared ones. */
export interface RouterState {
  cooldowns: Cooldowns;
  usage: DeploymentUsage;
}

/**
 * Chooses a deployment within a model group. Cooldowns and rpm/tpm usage are read from this replica's memory only
 * (kept current for the cluster by Cooldowns and DeploymentUsage), so choosing never waits for Redis; only a call to
 * a deployment with `rpm` is counted by a round trip (see claim).
 */
export class DeploymentRouter {
  private readonly inFlight = new Map<string, number>();
  readonly cooldowns: Cooldowns;
  readonly usage: DeploymentUsage;

  constructor(
    private readonly settings: RoutingSettings,
    private readonly random: () => number = Math.random,
    private readonly now: () => number = Date.now,
    state?: RouterState,
  ) {
    this.cooldowns = state?.cooldowns ?? new Cooldowns(settings, undefined, undefined, now);
    this.usage = state?.usage ?? new DeploymentUsage(undefined, () => [], now);
  }

  pick(candidates: readonly Deployment[], exclude: ReadonlySet<string>): Deployment | undefined {
    const now = this.now();
    const healthy = candidates.filter(
      (d) => !exclude.has(d.id) && !this.cooldowns.isCooling(d.id, now) && this.usage.hasHeadroom(d),
    );
    if (healthy.length <= 1) return healthy[0];
    switch (this.settings.strategy) {
      case "least-busy":
        return this.leastBusy(healthy);
      case "usage-based-routing-v2":
        return this.mostHeadroom(healthy);
      default:
        return this.weightedShuffle(healthy);
    }
  }

  /** Whether the deployment's calls must be counted for the cluster before it is called (it has `rpm`). */
  needsClaim(deployment: Deployment): boolean {
    return limitOf(deployment, "rpm") > 0;
  }

  /**
   * Counts a call to `deployment` against its cluster-wide rpm; when another replica took the last call of the
   * minute meanwhile, picks again among the others. Undefined when every candidate is cooling or at its limits.
   */
  async claim(
    candidates: readonly Deployment[],
    exclude: ReadonlySet<string>,
    first: Deployment,
  ): Promise<Deployment | undefined> {
    const full = new Set(exclude);
    let deployment: Deployment | undefined = first;
    while (deployment) {
      if (!this.needsClaim(deployment) || (await this.usage.claim(deployment))) return deployment;
      full.add(deployment.id);
      deployment = this.pick(candidates, full);
    }
    return undefined;
  }

  /** Whether a candidate was passed over only for its rpm/tpm (so the answer is LiteLLM's 429, not "unhealthy"). */
  atLimit(candidates: readonly Deployment[], exclude: ReadonlySet<string>): boolean {
    const now = this.now();
    return candidates.some(
      (d) => !exclude.has(d.id) && !this.cooldowns.isCooling(d.id, now) && !this.usage.hasHeadroom(d),
    );
  }

  begin(id: string): void {
    this.inFlight.set(id, (this.inFlight.get(id) ?? 0) + 1);
  }

  end(id: string): void {
    const left = (this.inFlight.get(id) ?? 1) - 1;
    if (left <= 0) this.inFlight.delete(id);
    else this.inFlight.set(id, left);
  }

  /** LiteLLM's rule: more than allowed_fails failures within a minute cool a deployment down for cooldown_time. */
  recordFailure(id: string): void {
    this.cooldowns.recordFailure(id);
  }

  recordTokens(deployment: Deployment, tokens: number): void {
    this.usage.recordTokens(deployment, tokens);
  }

  isCoolingDown(id: string): boolean {
    return this.cooldowns.isCooling(id, this.now());
  }

  coolingDownCount(): number {
    return this.cooldowns.count();
  }

  inFlightCount(): number {
    let total = 0;
    for (const count of this.inFlight.values()) total += count;
    return total;
  }

  /** usage-based-routing-v2: the largest share left of rpm/tpm this minute; ties are broken at random. */
  private mostHeadroom(healthy: readonly Deployment[]): Deployment {
    let best: Deployment[] = [];
    let bestRoom = -1;
    for (const deployment of healthy) {
      const room = this.usage.headroom(deployment);
      if (room > bestRoom) [best, bestRoom] = [[deployment], room];
      else if (room === bestRoom) best.push(deployment);
    }
    return best[Math.floor(this.random() * best.length)]!;
  }

  private leastBusy(healthy: readonly Deployment[]): Deployment {
    let best = healthy[0]!;
    let bestCount = this.inFlight.get(best.id) ?? 0;
    for (const deployment of healthy.slice(1)) {
      const count = this.inFlight.get(deployment.id) ?? 0;
      if (count < bestCount) [best, bestCount] = [deployment, count];
    }
    return best;
  }

  /** Weighted by `weight`, else `rpm`, else `tpm` (the first any member sets); members without it get the mean. */
  private weightedShuffle(healthy: readonly Deployment[]): Deployment {
    const field = WEIGHT_FIELDS.find((name) => healthy.some((d) => positive(d.litellmParams[name])));
    if (!field) return healthy[Math.floor(this.random() * healthy.length)]!;
    const known = healthy.map((d) => d.litellmParams[field]).filter(positive);
    const fallback = known.reduce((a, b) => a + b, 0) / known.length;
    const weights = healthy.map((d) => (positive(d.litellmParams[field]) ? d.litellmParams[field] : fallback));
    let ticket = this.random() * weights.reduce((a, b) => a + b, 0);
    for (let i = 0; i < healthy.length; i++) {
      ticket -= weights[i]!;
      if (ticket < 0) return healthy[i]!;
    }
    return healthy[healthy.length - 1]!;
  }
}

function positive(value: unknown): value is number {
  return typeof value === "number" && value > 0;
}
