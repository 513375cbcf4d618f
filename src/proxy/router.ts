import type { LitellmSettings, RouterSettings } from "../config/config-file.js";
import type { Deployment } from "../registry/deployment.js";

export interface RoutingSettings {
  strategy: "simple-shuffle" | "least-busy";
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
    strategy: raw.routing_strategy ?? "simple-shuffle",
    numRetries: raw.num_retries ?? 0,
    allowedFails: raw.allowed_fails ?? 3,
    cooldownMs: (raw.cooldown_time ?? 5) * 1000,
    timeoutMs: (raw.timeout ?? 600) * 1000,
    fallbacks,
    dropParams: litellm.drop_params ?? false,
  };
}

interface Health {
  consecutiveFails: number;
  coolingUntil: number;
}

const WEIGHT_FIELDS = ["weight", "rpm", "tpm"] as const;

/**
 * Chooses a deployment within a model group and remembers which ones are failing. State is per replica and in
 * memory, like LiteLLM's without Redis: cooldowns are a local, short-lived judgement about an upstream.
 */
export class DeploymentRouter {
  private readonly health = new Map<string, Health>();
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly settings: RoutingSettings,
    private readonly random: () => number = Math.random,
    private readonly now: () => number = Date.now,
  ) {}

  pick(candidates: readonly Deployment[], exclude: ReadonlySet<string>): Deployment | undefined {
    const now = this.now();
    const healthy = candidates.filter((d) => !exclude.has(d.id) && (this.health.get(d.id)?.coolingUntil ?? 0) <= now);
    if (healthy.length <= 1) return healthy[0];
    return this.settings.strategy === "least-busy" ? this.leastBusy(healthy) : this.weightedShuffle(healthy);
  }

  begin(id: string): void {
    this.inFlight.set(id, (this.inFlight.get(id) ?? 0) + 1);
  }

  end(id: string): void {
    const left = (this.inFlight.get(id) ?? 1) - 1;
    if (left <= 0) this.inFlight.delete(id);
    else this.inFlight.set(id, left);
  }

  recordSuccess(id: string): void {
    this.health.delete(id);
  }

  /** More than allowed_fails consecutive failures put a deployment in cooldown for cooldown_time. */
  recordFailure(id: string): void {
    const health = this.health.get(id) ?? { consecutiveFails: 0, coolingUntil: 0 };
    health.consecutiveFails += 1;
    if (health.consecutiveFails > this.settings.allowedFails) {
      health.coolingUntil = this.now() + this.settings.cooldownMs;
      health.consecutiveFails = 0;
    }
    this.health.set(id, health);
  }

  isCoolingDown(id: string): boolean {
    return (this.health.get(id)?.coolingUntil ?? 0) > this.now();
  }

  coolingDownCount(): number {
    const now = this.now();
    let total = 0;
    for (const health of this.health.values()) if (health.coolingUntil > now) total += 1;
    return total;
  }

  inFlightCount(): number {
    let total = 0;
    for (const count of this.inFlight.values()) total += count;
    return total;
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
