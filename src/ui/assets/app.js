/* global document, window, EventSource, history, confirm */
// The admin page: plain DOM, no framework, no build. Text is always set as text (never as HTML). The master key is
// sent once to /ui/login and never kept; the session lives in an HttpOnly cookie, and the CSRF token in memory.

const state = { csrf: "", view: "models", page: 1, search: "", source: "", revision: -1, events: undefined };
const main = document.getElementById("main");
const live = document.getElementById("live");

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, "");
    else if (value !== false && value !== undefined) el.setAttribute(name, String(value));
  }
  for (const child of children.flat()) if (child !== undefined) el.append(child);
  return el;
}

class ApiFailure extends Error {
  constructor(status, error) {
    super(error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.param = error?.param ?? null;
  }
}

async function api(method, path, body) {
  const headers = { "x-csrf-token": state.csrf };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await res.json().catch(() => ({}));
  if (res.status === 401 && state.csrf) showSignIn(); // the session expired or was signed out elsewhere
  if (!res.ok) throw new ApiFailure(res.status, json.error);
  return json;
}

/** Shows an API error next to the input its `param` names, else at the top of the form. */
function showError(form, failure) {
  for (const old of form.querySelectorAll(".field-error")) old.textContent = "";
  for (const old of form.querySelectorAll("[aria-invalid]")) old.removeAttribute("aria-invalid");
  const formError = form.querySelector(".form-error");
  formError.textContent = "";
  const param = failure.param ?? "";
  const field = [...form.querySelectorAll("[data-param]")].find((input) =>
    input.dataset.param.split(" ").some((name) => param === name || param.startsWith(`${name}.`)),
  );
  const target = field ? form.querySelector(`#${field.id}-error`) : formError;
  target.textContent = failure.message;
  if (field) field.setAttribute("aria-invalid", "true");
}

function field(id, label, param, input = {}) {
  return h(
    "label",
    { for: id },
    label,
    h(input.tag ?? "input", { id, name: id, "data-param": param, "aria-describedby": `${id}-error`, ...input.attrs }),
    h("p", { class: "field-error", id: `${id}-error` }),
  );
}

function selectField(id, label, param, options) {
  const select = h(
    "select",
    { id, name: id, "data-param": param },
    ...options.map((o) => h("option", { value: o }, o)),
  );
  return h("label", { for: id }, label, select, h("p", { class: "field-error", id: `${id}-error` }));
}

function showSignIn() {
  state.csrf = "";
  state.events?.close();
  state.events = undefined;
  document.getElementById("nav").hidden = true;
  document.getElementById("sign-out").hidden = true;
  live.textContent = "";
  const form = h(
    "form",
    { id: "sign-in", onsubmit: (event) => void signIn(event, form) },
    field("master_key", "Master key", "master_key", {
      attrs: { type: "password", autocomplete: "off", required: true },
    }),
    h("button", { type: "submit" }, "Sign in"),
    h("p", { class: "form-error", role: "alert" }),
  );
  main.replaceChildren(h("h1", {}, "Sign in"), form);
}

async function signIn(event, form) {
  event.preventDefault();
  const input = form.querySelector("#master_key");
  try {
    const session = await api("POST", "/ui/login", { master_key: input.value });
    input.value = "";
    startSession(session);
  } catch (failure) {
    showError(form, failure);
  }
}

function startSession(session) {
  state.csrf = session.csrf_token;
  document.getElementById("nav").hidden = false;
  document.getElementById("sign-out").hidden = false;
  showLive(session.replica_id, session.applied_revision);
  state.events?.close();
  state.events = new EventSource("/ui/events");
  state.events.addEventListener("revision", (event) => {
    const { replica_id: replica, revision } = JSON.parse(event.data);
    const changed = state.revision !== -1 && revision !== state.revision;
    showLive(replica, revision);
    if (changed) void refresh();
  });
  void render();
}

function showLive(replica, revision) {
  state.revision = revision;
  live.textContent = `replica ${replica} · revision ${revision}`;
}

// A view is its static part (headings, filters, forms: built once, so a live update never loses what an admin is
// typing) and its data (the table), re-read on every change.
const VIEWS = {
  models: { title: "Models", layout: modelsLayout, data: modelsData },
  keys: { title: "Keys", layout: keysLayout, data: keysData },
  history: { title: "History", layout: () => [dataArea()], data: historyData },
};

function dataArea() {
  return h("div", { id: "data" });
}

async function render() {
  const view = VIEWS[state.view];
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.view === state.view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  main.replaceChildren(h("h1", {}, view.title), ...view.layout());
  await refresh();
}

/** Re-reads the current view's data (after a write here, or a revision applied from any replica). */
async function refresh() {
  const area = document.getElementById("data");
  if (!area) return;
  try {
    area.replaceChildren(...(await VIEWS[state.view].data()));
  } catch (failure) {
    if (failure.status !== 401) area.replaceChildren(h("p", { class: "form-error", role: "alert" }, failure.message));
  }
}

function table(headings, rows) {
  return h(
    "table",
    {},
    h("thead", {}, h("tr", {}, ...headings.map((text) => h("th", { scope: "col" }, text)))),
    h("tbody", {}, ...rows),
  );
}

function providerOf(item) {
  return item.litellm_params.custom_llm_provider ?? item.litellm_params.model.split("/")[0];
}

function modelsLayout() {
  return [modelToolbar(), dataArea(), h("h2", { id: "model-form-title" }, "Add a model"), modelForm()];
}

async function modelsData() {
  const query = new URLSearchParams({ page: String(state.page), size: "25" });
  if (state.search) query.set("search", state.search);
  const result = await api("GET", `/v2/model/info?${query}`);
  const shown = result.data.filter(
    (item) => !state.source || (state.source === "stored") === (item.model_info.db_model === true),
  );
  const rows = shown.map((item) => modelRow(item));
  return [table(["Name", "Provider", "Model", "API base", "Source", "RPM / TPM", ""], rows), pager(result)];
}

function modelRow(item) {
  const params = item.litellm_params;
  const stored = item.model_info.db_model === true;
  const outcome = h("span", { role: "status", class: "muted" });
  const test = h("button", { type: "button", onclick: () => void testModel(item, outcome) }, `Test ${item.model_name}`);
  const actions = stored
    ? [
        h("button", { type: "button", onclick: () => editModel(item) }, `Edit ${item.model_name}`),
        " ",
        h("button", { type: "button", onclick: () => void deleteModel(item) }, `Delete ${item.model_name}`),
      ]
    : h("span", { class: "muted" }, "read-only (config)");
  return h(
    "tr",
    { "data-model": item.model_name },
    h("td", {}, item.model_name),
    h("td", {}, providerOf(item)),
    h("td", {}, params.model),
    h("td", {}, params.api_base ?? ""),
    h("td", {}, stored ? "stored (db_model)" : "config"),
    h("td", {}, `${params.rpm ?? "–"} / ${params.tpm ?? "–"}`),
    h("td", {}, test, " ", actions, " ", outcome),
  );
}

function modelToolbar() {
  const search = h("input", { id: "search", type: "search", value: state.search });
  const source = h(
    "select",
    { id: "source" },
    ...["", "config", "stored"].map((v) => h("option", { value: v }, v || "all")),
  );
  source.value = state.source;
  const apply = (event) => {
    event.preventDefault();
    Object.assign(state, { search: search.value.trim(), source: source.value, page: 1 });
    void refresh();
  };
  return h(
    "form",
    { class: "toolbar", role: "search", onsubmit: apply },
    h("label", { for: "search" }, "Search name or model", search),
    h("label", { for: "source" }, "Source", source),
    h("button", { type: "submit" }, "Filter"),
  );
}

function pager(result) {
  const go = (page) => () => {
    state.page = page;
    void refresh();
  };
  return h(
    "p",
    {},
    h(
      "button",
      { type: "button", disabled: result.current_page <= 1, onclick: go(result.current_page - 1) },
      "Previous",
    ),
    ` Page ${result.current_page} of ${Math.max(1, result.total_pages)} (${result.total_count} deployments) `,
    h(
      "button",
      { type: "button", disabled: result.current_page >= result.total_pages, onclick: go(result.current_page + 1) },
      "Next",
    ),
  );
}

const PROVIDERS = ["openai", "azure", "anthropic", "gemini", "bedrock", "groq", "mistral", "ollama"];

function modelForm() {
  const form = h(
    "form",
    { id: "add-model", onsubmit: (event) => void addModel(event, form) },
    field("model_name", "Public name (model_name)", "model_name", { attrs: { required: true } }),
    selectField("provider", "Provider", "litellm_params.custom_llm_provider", PROVIDERS),
    field("model", "Provider's model", "litellm_params.model", { attrs: { required: true } }),
    field("api_base", "API base", "litellm_params.api_base"),
    field("api_key", "API key", "litellm_params.api_key", { attrs: { type: "password", autocomplete: "off" } }),
    field("api_version", "API version (Azure)", "litellm_params.api_version"),
    field("rpm", "RPM", "litellm_params.rpm", { attrs: { inputmode: "numeric" } }),
    field("tpm", "TPM", "litellm_params.tpm", { attrs: { inputmode: "numeric" } }),
    field("access_groups", "Access groups (comma-separated)", "model_info.access_groups"),
    field("model_info", "Other model_info (JSON object)", "model_info", { tag: "textarea", attrs: { rows: 2 } }),
    h("button", { type: "submit", id: "model-submit" }, "Add model"),
    h("button", { type: "button", id: "model-cancel", hidden: true, onclick: () => resetModelForm(form) }, "Cancel"),
    h("p", { class: "form-error", role: "alert" }),
  );
  return form;
}

function numberOrText(text) {
  return text === "" ? undefined : /^-?\d+$/.test(text) ? Number(text) : text;
}

function modelBody(form) {
  const value = (id) => form.querySelector(`#${id}`).value.trim();
  let info = {};
  if (value("model_info")) {
    try {
      info = JSON.parse(value("model_info"));
    } catch {
      throw new ApiFailure(400, { message: "Not valid JSON", param: "model_info" });
    }
  }
  const groups = value("access_groups")
    .split(",")
    .map((g) => g.trim())
    .filter(Boolean);
  if (groups.length > 0) info.access_groups = groups;
  const params = { model: `${value("provider")}/${value("model")}` };
  for (const id of ["api_base", "api_key", "api_version"]) if (value(id)) params[id] = value(id);
  for (const id of ["rpm", "tpm"]) if (value(id)) params[id] = numberOrText(value(id));
  return { model_name: value("model_name"), litellm_params: params, model_info: info };
}

/** Fills the form with a stored deployment; saving sends only what is filled in (an empty API key keeps the stored one). */
function editModel(item) {
  const form = document.getElementById("add-model");
  resetModelForm(form);
  const [provider, ...rest] = item.litellm_params.model.split("/");
  const select = form.querySelector("#provider");
  if (![...select.options].some((option) => option.value === provider)) select.append(h("option", {}, provider));
  const values = { ...item.litellm_params, provider, model: rest.join("/"), model_name: item.model_name, api_key: "" };
  for (const id of ["model_name", "provider", "model", "api_base", "api_key", "api_version", "rpm", "tpm"])
    form.querySelector(`#${id}`).value = values[id] ?? "";
  form.querySelector("#access_groups").value = (item.model_info.access_groups ?? []).join(", ");
  form.querySelector("#api_key").placeholder = "leave empty to keep the stored key";
  form.dataset.editing = item.model_info.id;
  document.getElementById("model-form-title").textContent = `Edit ${item.model_name}`;
  form.querySelector("#model-submit").textContent = "Save changes";
  form.querySelector("#model-cancel").hidden = false;
  form.querySelector("#model_name").focus();
}

function resetModelForm(form) {
  form.reset();
  showError(form, { message: "" });
  delete form.dataset.editing;
  form.querySelector("#api_key").placeholder = "";
  document.getElementById("model-form-title").textContent = "Add a model";
  form.querySelector("#model-submit").textContent = "Add model";
  form.querySelector("#model-cancel").hidden = true;
}

async function addModel(event, form) {
  event.preventDefault();
  const id = form.dataset.editing;
  try {
    const body = modelBody(form);
    if (id && Object.keys(body.model_info).length === 0) delete body.model_info;
    if (id) await api("PATCH", `/model/${encodeURIComponent(id)}/update`, body);
    else await api("POST", "/model/new", body);
    resetModelForm(form);
    await refresh();
  } catch (failure) {
    showError(form, failure);
  }
}

/** One small real call through the proxy to the model's group; shows the outcome and how long it took. */
async function testModel(item, outcome) {
  outcome.textContent = "testing…";
  const started = performance.now();
  const body = { model: item.model_name, messages: [{ role: "user", content: "Say OK." }], max_tokens: 5 };
  try {
    await api("POST", "/v1/chat/completions", body);
    outcome.textContent = `OK in ${Math.round(performance.now() - started)} ms`;
  } catch (failure) {
    outcome.textContent = `Failed (${failure.status}) in ${Math.round(performance.now() - started)} ms: ${failure.message}`;
  }
}

async function deleteModel(item) {
  if (!confirm(`Delete the deployment ${item.model_name} (${item.model_info.id}) on every replica?`)) return;
  await api("POST", "/model/delete", { id: item.model_info.id });
  await refresh();
}

function keysLayout() {
  return [dataArea(), h("h2", {}, "Create a key"), keyForm()];
}

async function keysData() {
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
    await refresh();
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
  await refresh();
}

async function historyData() {
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

function viewOfPath(path) {
  return path.endsWith("/keys") ? "keys" : path.endsWith("/history") ? "history" : "models";
}

function navigate(event) {
  const link = event.target.closest("a[data-view]");
  if (!link) return;
  event.preventDefault();
  history.pushState({}, "", link.getAttribute("href"));
  state.view = link.dataset.view;
  void render();
}

async function signOut() {
  await fetch("/ui/logout", { method: "POST", headers: { "x-csrf-token": state.csrf } });
  showSignIn();
}

async function boot() {
  state.view = viewOfPath(window.location.pathname);
  document.getElementById("nav").addEventListener("click", navigate);
  document.getElementById("sign-out").addEventListener("click", () => void signOut());
  window.addEventListener("popstate", () => {
    state.view = viewOfPath(window.location.pathname);
    void render();
  });
  const res = await fetch("/ui/session");
  if (res.ok) startSession(await res.json());
  else showSignIn();
}

void boot();
