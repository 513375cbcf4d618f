import type { Logger } from "../logging/logger.js";
import type { Announce } from "../sync/announce.js";
import { nextBudgetReset } from "./budget-period.js";
import type { KeyRegistry } from "./key-registry.js";
import type { BudgetStore } from "./ports.js";

/** Keys reset per run at most; more wait for the next run (a run stays short however many keys fall due at once). */
const RESETS_PER_RUN = 500;
/** Who the change log names as the author of a reset. */
const ACTOR = "budget-reset-job";

export interface BudgetJobDeps {
  store: BudgetStore;
  keys: KeyRegistry;
  announce: Announce;
  logger: Logger;
  /** Counted in /metrics once per crossing, on the replica that reported it. */
  onSoftBudgetCrossed: () => void;
  minIntervalMs: number;
  maxIntervalMs: number;
  now?: () => number;
}

/**
 * The budget job, run on every replica: resets keys whose budget_reset_at has passed and reports soft budget
 * crossings. Every write is conditional in PostgreSQL, so a reset (or a crossing) happens once for the cluster
 * whichever replica gets there first; the others find nothing to do.
 */
export function createBudgetJob(deps: BudgetJobDeps) {
  const { store, keys, announce, logger, now = Date.now } = deps;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = true;

  async function resetDue(): Promise<number> {
    const at = new Date(now());
    let resets = 0;
    for (const due of await store.dueBudgets(at, RESETS_PER_RUN)) {
      // A stored duration that no longer parses cannot be moved on: the key keeps its spend (and says so).
      const next = nextBudgetReset(due.budgetDuration, at);
      if (!next) {
        logger.warn({ token: due.token, budgetDuration: due.budgetDuration }, "key budget_duration cannot be read");
        continue;
      }
      const written = await store.resetBudget(due.token, at, next, ACTOR);
      if (!written) continue;
      await announce(written.change, () => keys.upsert(written.key));
      logger.info({ key: written.key.keyName, budgetResetAt: next.toISOString() }, "key budget reset");
      resets += 1;
    }
    return resets;
  }

  async function reportSoftBudgets(): Promise<void> {
    for (const crossing of await store.claimSoftBudgetCrossings()) {
      deps.onSoftBudgetCrossed();
      logger.warn(
        { key: crossing.keyName, keyAlias: crossing.keyAlias, spend: crossing.spend, softBudget: crossing.softBudget },
        "key crossed its soft budget",
      );
    }
  }

  function runOnce(): Promise<void> {
    running ??= (async () => {
      await resetDue();
      await reportSoftBudgets();
    })()
      .catch((err: unknown) => logger.warn({ err }, "budget job failed; retried on its next run"))
      .finally(() => (running = undefined));
    return running;
  }

  function schedule(): void {
    if (stopped) return;
    const spread = deps.maxIntervalMs - deps.minIntervalMs;
    timer = setTimeout(() => void runOnce().finally(schedule), deps.minIntervalMs + Math.random() * spread);
    timer.unref();
  }

  return {
    start(): void {
      stopped = false;
      schedule();
    },
    /** One run now (tests; the timer runs it on its own). */
    runOnce,
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

export type BudgetJob = ReturnType<typeof createBudgetJob>;
