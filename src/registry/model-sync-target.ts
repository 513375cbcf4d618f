import { deploymentFromStored } from "./deployment.js";
import type { ModelRegistry } from "./model-registry.js";
import type { ModelStore } from "./ports.js";
import type { SyncTarget } from "../sync/revision-sync.js";

/** Mirrors stored deployments into the registry; config deployments are never touched. */
export function createModelSyncTarget(
  store: Pick<ModelStore, "listAll" | "getMany">,
  registry: ModelRegistry,
): SyncTarget {
  return {
    entity: "model",
    async loadAll() {
      registry.replaceStored((await store.listAll()).map(deploymentFromStored));
    },
    async refresh(ids) {
      const found = await store.getMany(ids);
      const foundIds = new Set(found.map((model) => model.id));
      for (const model of found) registry.upsertStored(deploymentFromStored(model));
      for (const id of ids) if (!foundIds.has(id)) registry.removeStored(id);
    },
    remove(id) {
      registry.removeStored(id);
    },
  };
}
