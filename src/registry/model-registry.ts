import type { Deployment } from "./deployment.js";
import { isWildcard } from "./model-pattern.js";
import { type ProviderOf, qualifyBareName, WildcardRoutes } from "./wildcard-routes.js";

/** A set of deployment ids kept by idsWhere(); `list` is its array form, made again after the set changed. */
interface Tracker {
  matches: (deployment: Deployment) => boolean;
  ids: Set<string>;
  list: string[] | undefined;
}

export interface RegistryOptions {
  /** Lets `openai/*` serve a bare `gpt-4o` and a key's `openai/*` reach it; without it only full names match. */
  providerOf?: ProviderOf;
}

/**
 * The live, merged view of config and stored deployments on this replica. Config deployments are fixed at
 * start and never evicted by database changes; a stored deployment with a config id shadows it while it
 * exists. Reads are on the request path and a write touches one deployment, so a write updates only the group it
 * touches; the flat list and the group order are rebuilt once, on the first read after a change. Order everywhere:
 * config deployments (not shadowed) in file order, then stored ones in the order they were first stored.
 */
export class ModelRegistry {
  private readonly config: ReadonlyMap<string, Deployment>;
  private readonly configPosition = new Map<string, number>();
  private readonly stored = new Map<string, Deployment>();
  /** Where each stored deployment sits in the order (its insertion number, after every config position). */
  private readonly storedPosition = new Map<string, number>();
  private nextPosition: number;
  private readonly groups = new Map<string, Deployment[]>();
  private wildcards: WildcardRoutes;
  private readonly providerOf: ProviderOf;
  private loaded = false;
  /** Bumped on every change; what the flat list and the group names are rebuilt on. */
  private version = 0;
  private ordered: { version: number; all: readonly Deployment[] } | undefined;
  private names: { version: number; groupNames: readonly string[] } | undefined;
  private readonly trackers: Tracker[] = [];

  constructor(configDeployments: readonly Deployment[], options: RegistryOptions = {}) {
    this.config = new Map(configDeployments.map((d) => [d.id, d]));
    configDeployments.forEach((d, index) => this.configPosition.set(d.id, index));
    this.nextPosition = configDeployments.length;
    this.providerOf = options.providerOf ?? (() => undefined);
    for (const deployment of this.config.values()) this.groupOf(deployment.modelName).push(deployment);
    this.wildcards = this.buildWildcards();
  }

  /** Replaces every stored deployment at once (start-up and full resync). */
  replaceStored(deployments: readonly Deployment[]): void {
    this.stored.clear();
    this.storedPosition.clear();
    this.nextPosition = this.config.size;
    for (const deployment of deployments) this.place(deployment);
    this.groups.clear();
    for (const deployment of this.config.values()) {
      if (!this.stored.has(deployment.id)) this.groupOf(deployment.modelName).push(deployment);
    }
    for (const deployment of this.stored.values()) this.groupOf(deployment.modelName).push(deployment);
    this.loaded = true;
    for (const tracker of this.trackers) this.retrack(tracker);
    this.changed(true);
  }

  upsertStored(deployment: Deployment): void {
    const before = this.byId(deployment.id);
    this.place(deployment);
    if (before) this.withoutMember(before.modelName, deployment.id);
    this.withMember(deployment);
    this.tracked(deployment.id, deployment);
    this.changed(isWildcard(deployment.modelName) || (before !== undefined && isWildcard(before.modelName)));
  }

  removeStored(id: string): void {
    const removed = this.stored.get(id);
    if (!removed) return;
    this.stored.delete(id);
    this.storedPosition.delete(id);
    this.withoutMember(removed.modelName, id);
    const shadowed = this.config.get(id);
    if (shadowed) this.withMember(shadowed);
    this.tracked(id, shadowed);
    this.changed(isWildcard(removed.modelName) || (shadowed !== undefined && isWildcard(shadowed.modelName)));
  }

  isLoaded(): boolean {
    return this.loaded;
  }

  all(): readonly Deployment[] {
    return this.order().all;
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

  /** Model names in the order their first deployment appears in all(). */
  groupNames(): readonly string[] {
    if (this.names?.version !== this.version) {
      const names = new Set<string>();
      for (const deployment of this.all()) names.add(deployment.modelName);
      this.names = { version: this.version, groupNames: [...names] };
    }
    return this.names.groupNames;
  }

  /**
   * The ids of the deployments `matches` holds for, kept up to date as deployments change (one call per changed
   * deployment, not a scan of all of them): for sets read on a timer, such as the deployments with rpm/tpm limits.
   * The returned array must not be mutated; it is replaced when the set changes.
   */
  idsWhere(matches: (deployment: Deployment) => boolean): () => readonly string[] {
    const tracker: Tracker = { matches, ids: new Set(), list: undefined };
    this.retrack(tracker);
    this.trackers.push(tracker);
    return () => (tracker.list ??= [...tracker.ids]);
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

  private retrack(tracker: Tracker): void {
    tracker.ids = new Set(this.all().flatMap((d) => (tracker.matches(d) ? [d.id] : [])));
    tracker.list = undefined;
  }

  /** `id` is now `deployment` (undefined: gone) for every tracker. */
  private tracked(id: string, deployment: Deployment | undefined): void {
    for (const tracker of this.trackers) {
      const was = tracker.ids.has(id);
      const is = deployment !== undefined && tracker.matches(deployment);
      if (was === is) continue;
      if (is) tracker.ids.add(id);
      else tracker.ids.delete(id);
      tracker.list = undefined;
    }
  }

  private place(deployment: Deployment): void {
    if (!this.storedPosition.has(deployment.id)) this.storedPosition.set(deployment.id, this.nextPosition++);
    this.stored.set(deployment.id, deployment);
  }

  private positionOf(deployment: Deployment): number {
    if (deployment.source === "config") return this.configPosition.get(deployment.id) ?? 0;
    return this.storedPosition.get(deployment.id) ?? this.nextPosition;
  }

  private groupOf(name: string): Deployment[] {
    let members = this.groups.get(name);
    if (!members) this.groups.set(name, (members = []));
    return members;
  }

  // Group arrays are replaced, never edited, once handed out: a caller iterating a group (a call being routed, a
  // listing) keeps a consistent snapshot.
  private withoutMember(name: string, id: string): void {
    const members = this.groups.get(name);
    if (!members) return;
    const rest = members.filter((d) => d.id !== id);
    if (rest.length === 0) this.groups.delete(name);
    else this.groups.set(name, rest);
  }

  private withMember(deployment: Deployment): void {
    const members = [...(this.groups.get(deployment.modelName) ?? []), deployment];
    members.sort((a, b) => this.positionOf(a) - this.positionOf(b));
    this.groups.set(deployment.modelName, members);
  }

  private changed(wildcardsChanged: boolean): void {
    this.version += 1;
    // Wildcard routes hold their groups' arrays and the deployments derived through them: they are made again on
    // every change while there are any (a derived deployment never outlives the registry state it came from), and
    // not at all in a registry without wildcards.
    if (wildcardsChanged || this.wildcards.size > 0) this.wildcards = this.buildWildcards();
  }

  private buildWildcards(): WildcardRoutes {
    const wildcardGroups = new Map<string, readonly Deployment[]>();
    for (const [name, members] of this.groups) if (isWildcard(name)) wildcardGroups.set(name, members);
    return new WildcardRoutes(wildcardGroups, this.providerOf);
  }

  private order(): { all: readonly Deployment[] } {
    if (this.ordered?.version === this.version) return this.ordered;
    const all: Deployment[] = [];
    for (const deployment of this.config.values()) {
      if (!this.stored.has(deployment.id)) all.push(deployment);
    }
    this.ordered = { version: this.version, all: all.concat([...this.stored.values()]) };
    return this.ordered;
  }
}
