import type { GeneralSettings } from "../config/config-file.js";
import { MAX_TIMER_MS } from "../proxy/upstream-attempt.js";

/** How this replica runs model health checks, from LiteLLM's general_settings. */
export interface HealthSettings {
  /** `background_health_checks`: run on a timer and let GET /health serve the last results. */
  background: boolean;
  /** `health_check_interval` (seconds in the file): pause between the end of one background run and the next. */
  intervalMs: number;
  /** `health_check_details: false` shows only `model` and `model_id` per endpoint, as LiteLLM does. */
  details: boolean;
  /** `health_check_concurrency`: how many deployments are checked at once. */
  concurrency: number;
}

/** LiteLLM's DEFAULT_HEALTH_CHECK_INTERVAL. */
const DEFAULT_INTERVAL_SECONDS = 300;
/** LiteLLM checks every deployment at once unless told otherwise; a bound keeps a long model list from opening hundreds of sockets. */
const DEFAULT_CONCURRENCY = 10;

export function healthSettings(general: GeneralSettings): HealthSettings {
  const seconds = general.health_check_interval ?? DEFAULT_INTERVAL_SECONDS;
  return {
    background: general.background_health_checks === true,
    intervalMs: Math.min(seconds * 1000, MAX_TIMER_MS),
    details: general.health_check_details !== false,
    concurrency: general.health_check_concurrency ?? DEFAULT_CONCURRENCY,
  };
}
