// What the model registry needs from storage. src/db implements it; tests use the real implementation or fakes
// that `implements` it.
import type { ChangeEntry } from "../sync/ports.js";

/** A stored deployment with plaintext secrets (the store encrypts and decrypts at its boundary). */
export interface StoredModel {
  id: string;
  modelName: string;
  litellmParams: Record<string, unknown>;
  modelInfo: Record<string, unknown>;
  revision: number;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  updatedBy: string;
}

export type StoredModelInput = Pick<StoredModel, "id" | "modelName" | "litellmParams" | "modelInfo">;

export interface ModelWrite {
  model: StoredModel;
  change: ChangeEntry;
}

export interface ModelStore {
  /** Throws DuplicateIdError when the id is taken. */
  create(input: StoredModelInput, actor: string): Promise<ModelWrite>;
  /** Reads, edits and writes in one transaction; undefined when the id is not stored. */
  update(id: string, edit: (current: StoredModel) => StoredModelInput, actor: string): Promise<ModelWrite | undefined>;
  delete(id: string, actor: string): Promise<ChangeEntry | undefined>;
  getMany(ids: readonly string[]): Promise<StoredModel[]>;
  listAll(): Promise<StoredModel[]>;
}
