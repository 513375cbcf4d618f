/* global document, confirm */
// The models view: the unified list (config and stored), its filters and pages, and the add/edit form.
import {
  api,
  ApiFailure,
  dataArea,
  editForm,
  field,
  h,
  resetForm,
  selectField,
  session,
  showError,
  table,
} from "./dom.js";

const PROVIDERS = ["openai", "azure", "anthropic", "gemini", "bedrock", "groq", "mistral", "ollama"];

/** Filters and page, kept while the admin moves between views. */
const filters = { page: 1, search: "", provider: "", source: "" };

function providerOf(item) {
  return item.litellm_params.custom_llm_provider ?? item.litellm_params.model.split("/")[0];
}

export function modelsLayout() {
  return [modelToolbar(), dataArea(), h("h2", { id: "model-form-title" }, "Add a model"), modelForm()];
}

export async function modelsData() {
  const query = new URLSearchParams({ page: String(filters.page), size: "25" });
  // Every filter is the server's, so counts and pages stay right.
  if (filters.search) query.set("search", filters.search);
  if (filters.provider) query.set("provider", filters.provider);
  if (filters.source) query.set("source", filters.source === "stored" ? "db" : "config");
  const result = await api("GET", `/v2/model/info?${query}`);
  const rows = result.data.map((item) => modelRow(item));
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
  const search = h("input", { id: "search", type: "search", value: filters.search });
  const source = h(
    "select",
    { id: "source" },
    ...["", "config", "stored"].map((v) => h("option", { value: v }, v || "all")),
  );
  source.value = filters.source;
  const provider = h(
    "select",
    { id: "provider-filter" },
    ...["", ...PROVIDERS].map((v) => h("option", { value: v }, v || "all")),
  );
  provider.value = filters.provider;
  const apply = (event) => {
    event.preventDefault();
    Object.assign(filters, { search: search.value.trim(), provider: provider.value, source: source.value, page: 1 });
    void session.refresh();
  };
  return h(
    "form",
    { class: "toolbar", role: "search", onsubmit: apply },
    h("label", { for: "search" }, "Search name or model", search),
    h("label", { for: "provider-filter" }, "Filter by provider", provider),
    h("label", { for: "source" }, "Source", source),
    h("button", { type: "submit" }, "Filter"),
  );
}

function pager(result) {
  const go = (page) => () => {
    filters.page = page;
    void session.refresh();
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
  form.querySelector("#access_groups").value = (item.model_info.access_groups ?? []).join(", ");
  form.querySelector("#api_key").placeholder = "leave empty to keep the stored key";
  editForm(form, "model", {
    id: item.model_info.id,
    title: `Edit ${item.model_name}`,
    submit: "Save changes",
    values: { ...item.litellm_params, provider, model: rest.join("/"), model_name: item.model_name, api_key: "" },
    fields: ["model_name", "provider", "model", "api_base", "api_key", "api_version", "rpm", "tpm"],
  });
}

function resetModelForm(form) {
  resetForm(form, "model", { title: "Add a model", submit: "Add model" });
  form.querySelector("#api_key").placeholder = "";
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
    await session.refresh();
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
  await session.refresh();
}
