import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { loadUiAssets, type UiAssets } from "./assets.js";
import { createSessionSigner, type SessionSigner } from "./session.js";

/** What the admin page's routes need, built once per app. */
export interface UiKit {
  assets: UiAssets;
  signer: SessionSigner;
  /** Shown on the page: which replica served it (host name and a per-process suffix). */
  replicaId: string;
}

export function createUiKit(masterKey: string): UiKit {
  return {
    assets: loadUiAssets(),
    signer: createSessionSigner(masterKey),
    replicaId: `${hostname()}-${randomUUID().slice(0, 4)}`,
  };
}
