import { EventEmitter } from "node:events";
import type { ClientConnection } from "../proxy/upstream-attempt.js";

/** A ClientConnection that goes when cancel() is called: lets the health service drop every call it has in flight. */
export interface CancelScope extends ClientConnection {
  cancel(): void;
}

export function createCancelScope(): CancelScope {
  const gone = new EventEmitter();
  // One listener per in-flight check; the concurrency bound, not this, limits how many there are.
  gone.setMaxListeners(0);
  let cancelled = false;
  return {
    onGone(listener) {
      if (cancelled) {
        listener();
        return () => undefined;
      }
      gone.once("gone", listener);
      return () => gone.off("gone", listener);
    },
    cancel() {
      if (cancelled) return;
      cancelled = true;
      gone.emit("gone");
    },
  };
}

/** Gone as soon as either side is. */
export function eitherGone(a: ClientConnection, b: ClientConnection): ClientConnection {
  return {
    onGone(listener) {
      let fired = false;
      const once = () => {
        if (fired) return;
        fired = true;
        listener();
      };
      const stopA = a.onGone(once);
      const stopB = b.onGone(once);
      return () => {
        stopA();
        stopB();
      };
    },
  };
}
