import type { Deployment } from "./deployment.js";

/**
 * The live, merged view of config and stored deployments on this replica. Config deployments are fixed at
 * start and never evicted by database changes; a stored deployment with a config id shadows it while it
 * exists. Reads are on the request path, so derived indexes are rebuilt on write, not on read.
 */
export class ModelRegistry {
  private readonly config: ReadonlyMap<string, Deployment>;
  private readonly stored = new Map<string, Deployment>();
  private ordered: Deployment[] = [];
  private groups = new Map<string, Deployment[]>();
  private loaded = false;

  constructor(configDeployments: readonly Deployment[]) {
    this.config = new Map(configDeployments.map((d) => [d.id, d]));
    this.rebuild();
  }

  /** Replaces every stored deployment at once (start-up and full resync). */
  replaceStored(deployments: readonly Deployment[]): void {
    this.stored.clear();
    for (const deployment of deployments) this.stored.set(deployment.id, deployment);
    this.loaded = true;
    this.rebuild();
  }

  upsertStored(deployment: Deployment): void {
    this.stored.set(deployment.id, deployment);
    this.rebuild();
  }

  removeStored(id: string): void {
    if (this.stored.delete(id)) this.rebuild();
  }

  isLoaded(): boolean {
    return this.loaded;
  }

  all(): readonly Deployment[] {
    return this.ordered;
  }

  byId(id: string): Deployment | undefined {
    return this.stored.get(id) ?? this.config.get(id);
  }

  isConfigId(id: string): boolean {
    return this.config.has(id);
  }

  isStoredId(id: string): boolean {
    return this.stored.has(id);
  }

  storedIds(): string[] {
    return [...this.stored.keys()];
  }

  /** Deployments of one model_name: a load-balancing group. */
  group(modelName: string): readonly Deployment[] {
    return this.groups.get(modelName) ?? [];
  }

  groupNames(): string[] {
    return [...this.groups.keys()];
  }

  private rebuild(): void {
    const ordered: Deployment[] = [];
    for (const deployment of this.config.values()) {
      if (!this.stored.has(deployment.id)) ordered.push(deployment);
    }
    ordered.push(...this.stored.values());
    const groups = new Map<string, Deployment[]>();
    for (const deployment of ordered) {
      const members = groups.get(deployment.modelName);
      if (members) members.push(deployment);
      else groups.set(deployment.modelName, [deployment]);
    }
    this.ordered = ordered;
    this.groups = groups;
  }
}
