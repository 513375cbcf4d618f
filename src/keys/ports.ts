// What the key registry needs from storage. src/db implements it; tests use the real implementation or fakes
// that `implements` it.
import type { ChangeEntry } from "../sync/ports.js";
import type { KeySettings, VirtualKey } from "./virtual-key.js";

export type VirtualKeyInput = KeySettings & Pick<VirtualKey, "token" | "keyName">;

export interface KeyWrite {
  key: VirtualKey;
  change: ChangeEntry;
}

export interface KeyStore {
  create(input: VirtualKeyInput, actor: string): Promise<KeyWrite>;
  update(token: string, edit: (current: VirtualKey) => VirtualKeyInput, actor: string): Promise<KeyWrite | undefined>;
  /** Deletes those that exist, one revision each; returns the changes. */
  deleteMany(tokens: readonly string[], actor: string): Promise<ChangeEntry[]>;
  getMany(tokens: readonly string[]): Promise<VirtualKey[]>;
  listAll(): Promise<VirtualKey[]>;
}

/** A key whose budget period has ended. */
export interface DueBudget {
  token: string;
  budgetDuration: string;
}

/** A key whose spend reached its soft budget, reported once per crossing for the whole cluster. */
export interface SoftBudgetCrossing {
  token: string;
  keyName: string;
  keyAlias: string | null;
  spend: number;
  softBudget: number;
}

/** What the budget job needs from storage; every write is conditional, so two replicas never both act. */
export interface BudgetStore {
  /** Keys with a budget_duration whose budget_reset_at is at or before `now`, at most `limit`. */
  dueBudgets(now: Date, limit: number): Promise<DueBudget[]>;
  /**
   * Spend back to 0 and budget_reset_at moved to `next`, as one revision, only if the key is still due at `now`;
   * undefined when it is not (another replica reset it first, or it is gone).
   */
  resetBudget(token: string, now: Date, next: Date, actor: string): Promise<KeyWrite | undefined>;
  /**
   * Marks the keys at or over their soft budget that are not marked yet and answers them (each crossing once for the
   * cluster); unmarks those back under it (a reset, a raised soft budget), so their next crossing is reported too.
   */
  claimSoftBudgetCrossings(): Promise<SoftBudgetCrossing[]>;
}
