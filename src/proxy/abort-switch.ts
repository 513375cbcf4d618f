import { EventEmitter } from "node:events";

/**
 * Cancels one upstream call. undici takes, as a request's `signal`, an EventEmitter that has `aborted` and `reason`
 * as well as an AbortSignal; an AbortController with its listener measured several microseconds of CPU per
 * proxied call here, this a fraction of one.
 */
export class AbortSwitch extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit("abort");
  }
}
