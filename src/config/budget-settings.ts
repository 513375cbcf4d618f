import { z } from "zod";

/**
 * general_settings keys of the budget job, under LiteLLM's names: it runs every `min`..`max` seconds (a random pause
 * in between, so replicas do not query in step).
 */
export const budgetSettingsShape = {
  proxy_budget_rescheduler_min_time: z.number().positive().max(86_400).nullish(),
  proxy_budget_rescheduler_max_time: z.number().positive().max(86_400).nullish(),
};

type BudgetSettingsFile = { [K in keyof typeof budgetSettingsShape]?: z.infer<(typeof budgetSettingsShape)[K]> };

export interface BudgetSettings {
  /** Shortest pause between two runs of the budget job (resets, soft budget crossings). */
  minIntervalMs: number;
  /** Longest pause; never below minIntervalMs. */
  maxIntervalMs: number;
}

/**
 * LiteLLM waits about ten minutes (597-605 s) between runs, which a `30s` budget would outlast many times over.
 * Each run is two indexed queries per replica, so a few seconds costs nothing and keeps resets on time.
 */
const DEFAULT_MIN_SECONDS = 2;
const DEFAULT_MAX_SECONDS = 5;

export function budgetSettings(general: BudgetSettingsFile): BudgetSettings {
  const min = general.proxy_budget_rescheduler_min_time ?? DEFAULT_MIN_SECONDS;
  const max = general.proxy_budget_rescheduler_max_time ?? Math.max(min, DEFAULT_MAX_SECONDS);
  return { minIntervalMs: min * 1000, maxIntervalMs: Math.max(min, max) * 1000 };
}
