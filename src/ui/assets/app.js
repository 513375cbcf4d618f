/* global document, window, EventSource, history */
// The admin page: plain DOM, no framework, no build. The master key is sent once to /ui/login and never kept; the
// session lives in an HttpOnly cookie, and the CSRF token in memory (see dom.js).
import { api, dataArea, field, h, session, showError } from "./dom.js";
import { historyData } from "./history.js";
import { keysData, keysLayout } from "./keys.js";
import { modelsData, modelsLayout } from "./models.js";

const state = { view: "models", revision: -1, events: undefined };

const main = document.getElementById("main");

const live = document.getElementById("live");

function showSignIn() {
  session.csrf = "";
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
    const started = await api("POST", "/ui/login", { master_key: input.value });
    input.value = "";
    startSession(started);
  } catch (failure) {
    showError(form, failure);
  }
}

function startSession(info) {
  session.csrf = info.csrf_token;
  document.getElementById("nav").hidden = false;
  document.getElementById("sign-out").hidden = false;
  showLive(info.replica_id, info.applied_revision);
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
  await fetch("/ui/logout", { method: "POST", headers: { "x-csrf-token": session.csrf } });
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

session.expired = showSignIn;
session.refresh = refresh;
void boot();
