// What the key registry needs from storage. src/db implements it; tests use the real implementation or fakes
// that `implements` it.
import type { ChangeEntry } from "../sync/ports.js";
import type { KeySettings, VirtualKey } from "./virtual-key.js";

export type VirtualKeyInput = KeySettings & Pick<VirtualKey, "token" | "keyName">;

export interface KeyWrite {
  key: VirtualKey;
  change: ChangeEntry;
}

export interface KeyStore {
  create(input: VirtualKeyInput, actor: string): Promise<KeyWrite>;
  update(token: string, edit: (current: VirtualKey) => VirtualKeyInput, actor: string): Promise<KeyWrite | undefined>;
  /** Deletes those that exist, one revision each; returns the changes. */
  deleteMany(tokens: readonly string[], actor: string): Promise<ChangeEntry[]>;
  getMany(tokens: readonly string[]): Promise<VirtualKey[]>;
  listAll(): Promise<VirtualKey[]>;
}
