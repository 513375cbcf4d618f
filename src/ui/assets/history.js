// The history view: committed changes to models and keys from the revisioned change log, newest first.
import { api, h, table } from "./dom.js";

/** Keys appear by token (the hash /key/list shows), with the alias when the key still exists; never raw. */
function keyLabel(token, aliases) {
  const alias = aliases.get(token);
  return alias ? `${alias} (${token.slice(0, 12)}…)` : token;
}

export async function historyData() {
  const [models, keys, list] = await Promise.all([
    api("GET", "/model/history?limit=200"),
    api("GET", "/key/history?limit=200"),
    api("GET", "/key/list?return_full_object=true&size=100"),
  ]);
  const aliases = new Map(list.keys.filter((key) => key.key_alias).map((key) => [key.token, key.key_alias]));
  const entries = [
    ...models.data.map((entry) => ({ ...entry, kind: "model", id: entry.model_id })),
    ...keys.data.map((entry) => ({ ...entry, kind: "key", id: keyLabel(entry.key_id, aliases) })),
  ].sort((a, b) => b.revision - a.revision);
  const rows = entries.map((entry) =>
    h(
      "tr",
      { "data-kind": entry.kind },
      h("td", {}, String(entry.revision)),
      h("td", {}, entry.kind),
      h("td", {}, entry.op),
      h("td", {}, entry.id),
      h("td", {}, entry.actor),
      h("td", {}, new Date(entry.created_at).toLocaleString()),
    ),
  );
  return [table(["Revision", "Of", "Change", "Model or key", "By", "When"], rows)];
}
