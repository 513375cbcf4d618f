import type { GeneralSettings } from "../config/config-file.js";

/** How this replica records and flushes spend, from general_settings. */
export interface SpendSettings {
  /** `disable_spend_logs: true`: no spend is recorded at all (nothing is built or queued per request). */
  enabled: boolean;
  /** LiteLLM's `proxy_batch_write_at` (seconds in the file): the pause between two flushes to PostgreSQL. */
  flushIntervalMs: number;
  /** Records per flush transaction. */
  batchSize: number;
  /** `spend_buffer_limit`: records kept in memory while Redis is down (or, without Redis, until flushed). */
  bufferLimit: number;
  /** `spend_claim_idle_seconds`: how long an entry a replica took stays its own before another replica claims it. */
  claimIdleMs: number;
  /** How often the cluster-wide key spend figures are re-read. */
  keySpendRefreshMs: number;
}

/** LiteLLM waits 10 s between spend writes; one second keeps /key/info close to the truth at one small query. */
const DEFAULT_FLUSH_SECONDS = 1;
/** About 100 MB of records at worst: minutes of heavy traffic through a Redis outage. */
const DEFAULT_BUFFER_LIMIT = 100_000;
/** Longer than any healthy flush takes, short enough that a dead replica's batch shows within seconds. */
const DEFAULT_CLAIM_IDLE_SECONDS = 5;

export function spendSettings(general: GeneralSettings): SpendSettings {
  return {
    enabled: general.disable_spend_logs !== true,
    flushIntervalMs: (general.proxy_batch_write_at ?? DEFAULT_FLUSH_SECONDS) * 1000,
    batchSize: 500, // 17 SQL parameters a record: well under PostgreSQL's 65,535 per statement
    bufferLimit: general.spend_buffer_limit ?? DEFAULT_BUFFER_LIMIT,
    claimIdleMs: (general.spend_claim_idle_seconds ?? DEFAULT_CLAIM_IDLE_SECONDS) * 1000,
    keySpendRefreshMs: 1000,
  };
}
