import type { GeneralSettings } from "../config/config-file.js";
import { MAX_TIMER_MS } from "./upstream-attempt.js";

/** How this replica treats its callers' streams, from general_settings. */
export interface StreamSettings {
  /**
   * `stream_idle_timeout` (seconds in the file): a streaming client that has taken nothing for this long while the
   * proxy had more to write is cut off and its upstream call aborted, so a client that never reads cannot hold an
   * upstream connection for ever.
   */
  idleTimeoutMs: number;
}

const DEFAULT_IDLE_TIMEOUT_SECONDS = 60;

export function streamSettings(general: GeneralSettings): StreamSettings {
  const seconds = general.stream_idle_timeout ?? DEFAULT_IDLE_TIMEOUT_SECONDS;
  return { idleTimeoutMs: Math.min(Math.round(seconds * 1000), MAX_TIMER_MS) };
}
