import { ApiError } from "../errors/api-error.js";
import type { VirtualKey } from "./virtual-key.js";

/** A key's cluster-wide spend as this replica knows it (spend.keySpend: a map lookup, no I/O). */
export type SpendOf = (key: VirtualKey) => number;

/**
 * Refuses a key at or over its max_budget with LiteLLM's 400 budget_exceeded. A key without a budget costs one
 * field read. The spend is the cluster's as last read from PostgreSQL, so every replica refuses the key within one
 * flush plus one refresh of it crossing the budget (see the README's overshoot bound).
 */
export function assertWithinBudget(key: VirtualKey, spendOf: SpendOf): void {
  const maxBudget = key.maxBudget;
  if (maxBudget === null) return;
  const spend = spendOf(key);
  if (spend >= maxBudget) throw ApiError.budgetExceeded(spend, maxBudget);
}
