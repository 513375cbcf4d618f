import type { Logger } from "../logging/logger.js";
import type { ChangeBus, ChangeEntry } from "./ports.js";
import type { RevisionSync } from "./revision-sync.js";

export interface AnnounceDeps {
  sync: Pick<RevisionSync, "applyLocal">;
  bus: Pick<ChangeBus, "publish">;
  logger: Logger;
}

export type Announce = (change: ChangeEntry, apply: () => void) => Promise<void>;

/**
 * After a commit: apply the change to this replica's view, then tell the others. In that order, so the writer
 * serves the change before it answers and nobody hears of a change that could still roll back.
 */
export function createAnnouncer({ sync, bus, logger }: AnnounceDeps): Announce {
  return async (change, apply) => {
    await sync.applyLocal(change, apply);
    try {
      await bus.publish({ revision: change.revision, entity: change.entity, op: change.op, id: change.entityId });
    } catch (error) {
      // Other replicas still converge through their periodic revision check.
      logger.warn({ err: error, revision: change.revision }, "could not publish change notice");
    }
  };
}
