import type { Deployment } from "./deployment.js";
import { type ProviderOf, qualifyBareName, WildcardRoutes } from "./wildcard-routes.js";

export interface RegistryOptions {
  /** Lets `openai/*` serve a bare `gpt-4o` and a key's `openai/*` reach it; without it only full names match. */
  providerOf?: ProviderOf;
}

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
  // Set by rebuild(), which the constructor calls.
  private wildcards!: WildcardRoutes;
  private readonly providerOf: ProviderOf;
  private loaded = false;

  constructor(configDeployments: readonly Deployment[], options: RegistryOptions = {}) {
    this.config = new Map(configDeployments.map((d) => [d.id, d]));
    this.providerOf = options.providerOf ?? (() => undefined);
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

  /**
   * The deployments a request for `name` goes to: its own group when one has that exact name, else the most
   * specific wildcard group matching it, with the requested model filled into each deployment (`openai/*` +
   * `gpt-4o` calls `gpt-4o`). [] when nothing serves the name.
   */
  resolve(name: string): readonly Deployment[] {
    const exact = this.groups.get(name);
    if (exact) return exact;
    return this.wildcards.size === 0 ? [] : this.wildcards.resolve(name);
  }

  /** `openai/gpt-4o` for a bare `gpt-4o` whose provider is known; LiteLLM's key patterns match this form too. */
  providerQualified(name: string): string | undefined {
    return qualifyBareName(name, this.providerOf);
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
    this.wildcards = new WildcardRoutes(groups, this.providerOf);
  }
}
