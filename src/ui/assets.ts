import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

// The admin page ships as static files, no build step: the HTML names its script modules and stylesheet by
// content-hashed names, so they can be cached for a year while the page itself is never cached.

export interface UiAsset {
  body: Buffer;
  contentType: string;
}

export interface UiAssets {
  /** The page, with the hashed asset names filled in. */
  page: Buffer;
  /** Assets by their hashed file name (`app.3f2a9c1b.js`). */
  byName: ReadonlyMap<string, UiAsset>;
}

const JS = "text/javascript; charset=utf-8";

/** Dependencies first: a module's imports are rewritten to the hashed names of the modules before it. */
const SOURCES = [
  { file: "dom.js", contentType: JS },
  { file: "models.js", contentType: JS },
  { file: "keys.js", contentType: JS },
  { file: "history.js", contentType: JS },
  { file: "app.js", contentType: JS },
  { file: "app.css", contentType: "text/css; charset=utf-8" },
];

/** `app.js` → `app.<first 12 hex of sha256>.js`. */
function hashedName(file: string, body: Buffer): string {
  const digest = createHash("sha256").update(body).digest("hex").slice(0, 12);
  const dot = file.lastIndexOf(".");
  return `${file.slice(0, dot)}.${digest}${file.slice(dot)}`;
}

/**
 * Reads the files beside this module (copied into dist/ui/assets by `npm run build`) once, at start. A module is
 * hashed after its imports are renamed, so a change to any module renames every module that imports it.
 */
// "../ui/assets/" rather than "./assets/": the same folder from src/ui/ and dist/ui/, and from dist/bundle/ (the
// bundle's modules all have the bundle's URL).
export function loadUiAssets(dir: URL = new URL("../ui/assets/", import.meta.url)): UiAssets {
  const byName = new Map<string, UiAsset>();
  const renamed = new Map<string, string>();
  let page = readFileSync(new URL("index.html", dir), "utf8");
  for (const { file, contentType } of SOURCES) {
    let text = readFileSync(new URL(file, dir), "utf8");
    for (const [from, to] of renamed) text = text.replaceAll(`"./${from}"`, `"./${to}"`);
    const body = Buffer.from(text);
    const name = hashedName(file, body);
    renamed.set(file, name);
    byName.set(name, { body, contentType });
    page = page.replaceAll(`{{${file}}}`, `/ui/assets/${name}`);
  }
  return { page: Buffer.from(page), byName };
}

/**
 * What the page may load: its own script, style and API, nothing inline, nothing from elsewhere (it works offline),
 * and it may not be framed.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");
