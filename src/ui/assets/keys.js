/* global document, confirm */
// The keys view: the list, create (the raw key shown once), edit and revoke.
import { api, dataArea, editForm, field, h, resetForm, session, showError, table } from "./dom.js";

export function keysLayout() {
  return [dataArea(), h("h2", { id: "key-form-title" }, "Create a key"), keyForm()];
}

function orDash(value) {
  return value === null || value === undefined ? "–" : String(value);
}

export async function keysData() {
  const result = await api("GET", "/key/list?return_full_object=true&size=100");
  const rows = result.keys.map((key) => {
    const name = key.key_alias ?? key.key_name;
    return h(
      "tr",
      { "data-key": key.key_alias ?? key.token },
      h("td", {}, key.key_alias ?? ""),
      h("td", {}, key.key_name ?? ""),
      h("td", {}, (key.models ?? []).join(", ") || "all"),
      h("td", {}, `${orDash(key.rpm_limit)} / ${orDash(key.tpm_limit)}`),
      h("td", {}, String(key.spend ?? 0)),
      h("td", {}, orDash(key.max_budget)),
      h(
        "td",
        {},
        h("button", { type: "button", onclick: () => editKey(key) }, `Edit ${name}`),
        " ",
        h("button", { type: "button", onclick: () => void revokeKey(key) }, `Revoke ${name}`),
      ),
    );
  });
  return [table(["Alias", "Key", "Models", "RPM / TPM", "Spend", "Max budget", ""], rows)];
}

function keyForm() {
  const form = h(
    "form",
    { id: "create-key", onsubmit: (event) => void saveKey(event, form) },
    field("key_alias", "Alias", "key_alias"),
    field("models", "Models (comma-separated, empty for all)", "models"),
    field("rpm_limit", "RPM limit", "rpm_limit", { attrs: { inputmode: "numeric" } }),
    field("tpm_limit", "TPM limit", "tpm_limit", { attrs: { inputmode: "numeric" } }),
    field("max_budget", "Max budget (USD)", "max_budget", { attrs: { inputmode: "decimal" } }),
    h("button", { type: "submit", id: "key-submit" }, "Create key"),
    h("button", { type: "button", id: "key-cancel", hidden: true, onclick: () => resetKeyForm(form) }, "Cancel"),
    h("p", { class: "form-error", role: "alert" }),
    h("div", { id: "new-key" }),
  );
  return form;
}

/** A number when the text is one; otherwise the text itself, so the API names the field in its error. */
function numberOrText(text) {
  return text !== "" && Number.isFinite(Number(text)) ? Number(text) : text;
}

/** The form as a request body. Creating leaves empty fields out; editing sends them as null (cleared). */
function keyBody(form, editing) {
  const value = (id) => form.querySelector(`#${id}`).value.trim();
  const empty = editing ? null : undefined;
  const models = value("models")
    .split(",")
    .map((m) => m.trim())
    .filter(Boolean);
  const body = {
    key_alias: value("key_alias") || empty,
    models: models.length > 0 || editing ? models : undefined,
    rpm_limit: value("rpm_limit") ? numberOrText(value("rpm_limit")) : empty,
    tpm_limit: value("tpm_limit") ? numberOrText(value("tpm_limit")) : empty,
    max_budget: value("max_budget") ? numberOrText(value("max_budget")) : empty,
  };
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}

/** Fills the form with a key's settings; saving sends them to /key/update by the key's token (never the raw key). */
function editKey(key) {
  const form = document.getElementById("create-key");
  resetKeyForm(form);
  editForm(form, "key", {
    id: key.token,
    title: `Edit ${key.key_alias ?? key.key_name}`,
    submit: "Save key",
    values: { ...key, models: (key.models ?? []).join(", ") },
    fields: ["key_alias", "models", "rpm_limit", "tpm_limit", "max_budget"],
  });
}

function resetKeyForm(form) {
  resetForm(form, "key", { title: "Create a key", submit: "Create key" });
}

async function saveKey(event, form) {
  event.preventDefault();
  const token = form.dataset.editing;
  try {
    const body = keyBody(form, token !== undefined);
    if (token) {
      await api("POST", "/key/update", { key: token, ...body });
      resetKeyForm(form);
    } else {
      const created = await api("POST", "/key/generate", body);
      resetKeyForm(form);
      showNewKey(created.key);
    }
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
