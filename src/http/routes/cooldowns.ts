import { z } from "zod";
import type { CooldownEntry } from "../../proxy/cooldowns.js";
import type { ModelRegistry } from "../../registry/model-registry.js";
import { defineRoute } from "../route.js";

export interface RouterState {
  cooldowns: () => CooldownEntry[];
  /** Whether cooldowns and deployment rpm/tpm are counted for the cluster (Redis reachable) or per replica. */
  status: () => { shared: boolean };
}

export interface CooldownsDeps {
  registry: ModelRegistry;
  routerState: RouterState;
}

const cooldownSchema = z.object({
  model_id: z.string(),
  model_name: z.string().nullable().describe("The deployment's model group; null if it was deleted meanwhile"),
  remaining_seconds: z.number(),
});

const cooldownListSchema = z.object({
  shared: z.boolean().describe("true when failures and cooldowns are shared by every replica through Redis"),
  cooldowns: z.array(cooldownSchema),
});

export const cooldownsComponents = { CooldownList: cooldownListSchema };

/** Deployments routing skips right now because they failed more than allowed_fails times in a minute. */
export const cooldownsRoutes = [
  defineRoute({
    method: "get",
    path: "/cooldowns",
    summary: "Deployments cooling down after failures",
    description:
      "A deployment that fails (429, 5xx, timeout, connection error) more than `router_settings.allowed_fails` " +
      "times in a minute is skipped for `cooldown_time` seconds by every replica. Lists them with the time left.",
    tags: ["health"],
    security: "master",
    response: cooldownListSchema,
    errors: [401, 403],
    handler: (_input, deps: CooldownsDeps) => {
      const byId = new Map(deps.registry.all().map((d) => [d.id, d.modelName]));
      return {
        shared: deps.routerState.status().shared,
        cooldowns: deps.routerState.cooldowns().map((entry) => ({
          model_id: entry.id,
          model_name: byId.get(entry.id) ?? null,
          remaining_seconds: Math.round(entry.remainingMs / 100) / 10,
        })),
      } satisfies z.output<typeof cooldownListSchema>;
    },
  }),
];
