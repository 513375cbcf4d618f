/* global document */
// DOM and API helpers shared by the views. Text is always set as text (never as HTML).

/** The session as the page holds it: the CSRF token (in memory only) and what to do when it ends or data changes. */
export const session = { csrf: "", expired: () => {}, refresh: async () => {} };

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, "");
    else if (value !== false && value !== undefined) el.setAttribute(name, String(value));
  }
  for (const child of children.flat()) if (child !== undefined) el.append(child);
  return el;
}

export class ApiFailure extends Error {
  constructor(status, error) {
    super(error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.param = error?.param ?? null;
  }
}

export async function api(method, path, body) {
  const headers = { "x-csrf-token": session.csrf };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await res.json().catch(() => ({}));
  if (res.status === 401 && session.csrf) session.expired(); // the session expired or was signed out elsewhere
  if (!res.ok) throw new ApiFailure(res.status, json.error);
  return json;
}

/** Shows an API error next to the input its `param` names, else at the top of the form. */
export function showError(form, failure) {
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

export function field(id, label, param, input = {}) {
  return h(
    "label",
    { for: id },
    label,
    h(input.tag ?? "input", { id, name: id, "data-param": param, "aria-describedby": `${id}-error`, ...input.attrs }),
    h("p", { class: "field-error", id: `${id}-error` }),
  );
}

export function selectField(id, label, param, options) {
  const select = h(
    "select",
    { id, name: id, "data-param": param },
    ...options.map((o) => h("option", { value: o }, o)),
  );
  return h("label", { for: id }, label, select, h("p", { class: "field-error", id: `${id}-error` }));
}

export function table(headings, rows) {
  return h(
    "table",
    {},
    h("thead", {}, h("tr", {}, ...headings.map((text) => h("th", { scope: "col" }, text)))),
    h("tbody", {}, ...rows),
  );
}

export function dataArea() {
  return h("div", { id: "data" });
}

/**
 * A create form's two modes (ids `<prefix>-form-title`, `<prefix>-submit`, `<prefix>-cancel`): editing fills the
 * fields from `values`, remembers what is edited and relabels the form; `resetForm` brings back the create mode.
 */
export function editForm(form, prefix, { id, title, submit, values, fields }) {
  for (const name of fields) form.querySelector(`#${name}`).value = values[name] ?? "";
  form.dataset.editing = id;
  document.getElementById(`${prefix}-form-title`).textContent = title;
  form.querySelector(`#${prefix}-submit`).textContent = submit;
  form.querySelector(`#${prefix}-cancel`).hidden = false;
  form.querySelector(`#${fields[0]}`).focus();
}

export function resetForm(form, prefix, { title, submit }) {
  form.reset();
  showError(form, { message: "" });
  delete form.dataset.editing;
  document.getElementById(`${prefix}-form-title`).textContent = title;
  form.querySelector(`#${prefix}-submit`).textContent = submit;
  form.querySelector(`#${prefix}-cancel`).hidden = true;
}
