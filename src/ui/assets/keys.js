/* global document, confirm */
// The keys view (a new key's raw value shown once) and the history view.
import { api, dataArea, field, h, session, showError, table } from "./dom.js";

export function keysLayout() {
  return [dataArea(), h("h2", {}, "Create a key"), keyForm()];
}

export async function keysData() {
  const result = await api("GET", "/key/list?return_full_object=true&size=100");
  const rows = result.keys.map((key) =>
    h(
      "tr",
      { "data-key": key.key_alias ?? key.token },
      h("td", {}, key.key_alias ?? ""),
      h("td", {}, key.key_name ?? ""),
      h("td", {}, (key.models ?? []).join(", ") || "all"),
      h("td", {}, String(key.spend ?? 0)),
      h("td", {}, key.max_budget === null || key.max_budget === undefined ? "–" : String(key.max_budget)),
      h(
        "td",
        {},
        h("button", { type: "button", onclick: () => void revokeKey(key) }, `Revoke ${key.key_alias ?? key.key_name}`),
      ),
    ),
  );
  return [table(["Alias", "Key", "Models", "Spend", "Max budget", ""], rows)];
}

function keyForm() {
  const form = h(
    "form",
    { id: "create-key", onsubmit: (event) => void createKey(event, form) },
    field("key_alias", "Alias", "key_alias"),
    field("models", "Models (comma-separated, empty for all)", "models"),
    field("max_budget", "Max budget (USD)", "max_budget", { attrs: { inputmode: "decimal" } }),
    h("button", { type: "submit" }, "Create key"),
    h("p", { class: "form-error", role: "alert" }),
    h("div", { id: "new-key" }),
  );
  return form;
}

async function createKey(event, form) {
  event.preventDefault();
  const value = (id) => form.querySelector(`#${id}`).value.trim();
  const body = {};
  if (value("key_alias")) body.key_alias = value("key_alias");
  const models = value("models")
    .split(",")
    .map((m) => m.trim())
    .filter(Boolean);
  if (models.length > 0) body.models = models;
  if (value("max_budget")) body.max_budget = Number(value("max_budget"));
  try {
    const created = await api("POST", "/key/generate", body);
    form.reset();
    showError(form, { message: "" });
    showNewKey(created.key);
    await session.refresh();
  } catch (failure) {
    showError(form, failure);
  }
}

/** The raw key, once: it is kept nowhere but this box, which leaving the page or the view drops. */
function showNewKey(raw) {
  const copy = h("button", { type: "button", onclick: () => void navigator.clipboard.writeText(raw) }, "Copy");
  document
    .getElementById("new-key")
    .replaceChildren(
      h(
        "div",
        { class: "secret", role: "status" },
        "Copy this key now; it is not shown again: ",
        h("code", { id: "raw-key" }, raw),
        " ",
        copy,
      ),
    );
}

async function revokeKey(key) {
  if (!confirm(`Revoke the key ${key.key_alias ?? key.key_name} on every replica?`)) return;
  await api("POST", "/key/delete", { keys: [key.token] });
  await session.refresh();
}

export async function historyData() {
  const result = await api("GET", "/model/history?limit=200");
  const rows = result.data.map((entry) =>
    h(
      "tr",
      {},
      h("td", {}, String(entry.revision)),
      h("td", {}, entry.op),
      h("td", {}, entry.model_id),
      h("td", {}, entry.actor),
      h("td", {}, new Date(entry.created_at).toLocaleString()),
    ),
  );
  return [table(["Revision", "Change", "Model id", "By", "When"], rows)];
}
