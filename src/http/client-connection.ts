import type { ServerResponse } from "node:http";
import type { ClientConnection } from "../proxy/upstream-attempt.js";

/** The caller has gone when the response closes before it was finished. */
export function connectionOf(res: ServerResponse): ClientConnection {
  return {
    onGone(listener) {
      if (res.destroyed && !res.writableFinished) {
        listener();
        return () => undefined;
      }
      const onClose = () => {
        if (!res.writableFinished) listener();
      };
      res.once("close", onClose);
      return () => res.off("close", onClose);
    },
  };
}
