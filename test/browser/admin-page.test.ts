import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { type FakeUpstream, startFakeOpenAI } from "../fakes/fake-openai.js";
import { closeAll, startReplicas } from "../helpers/cluster.js";
import { registerBodySecrets } from "../helpers/leak-watch.js";
import type { TestReplica } from "../helpers/replica.js";
import { createTestDatabase, type TestDatabase } from "../helpers/test-database.js";
import { launchChromium } from "./chromium.js";

// Two replicas on one PostgreSQL and one Redis, each on a real socket, and Debian's chromium driving the page.
// Set SCREENSHOT_DIR to keep screenshots of the main pages (the README's come from here).

const UPSTREAM_KEY = "sk-ui-browser-upstream-0123456789abcdef";
/** How soon a change made through one replica must show on the other replica's open page. */
const LIVE_MS = 1_000;

let db: TestDatabase;
let upstream: FakeUpstream;
let replicas: TestReplica[];
let urls: string[];
let browser: Browser;
let context: BrowserContext;
/** Every body the browser received, checked for secrets at the end. */
const received: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  upstream = await startFakeOpenAI();
  replicas = await startReplicas(2, { databaseUrl: db.url });
  urls = await Promise.all(replicas.map((replica) => replica.listen()));
  registerBodySecrets({ litellm_params: { api_key: UPSTREAM_KEY } });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(5_000);
  context.on("weberror", (error) => console.error("page error", error.error()));
  context.on("response", (response) => {
    if (!response.headers()["content-type"]?.startsWith("text/event-stream"))
      void response.text().then(
        (text) => received.push(text),
        () => undefined,
      );
  });
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await closeAll(replicas ?? []);
  await db?.drop();
  await upstream?.close();
});

async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.SCREENSHOT_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

async function openSignedIn(url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${url}/ui`);
  await page
    .locator("#live")
    .getByText(/revision \d+/)
    .waitFor();
  return page;
}

describe("the admin page in a browser, on two replicas", () => {
  let first: Page;
  let second: Page;

  it("redirects / to the page, refuses a wrong master key and signs in with the right one", async () => {
    first = await context.newPage();
    await first.goto(`${urls[0]}/`);
    expect(new URL(first.url()).pathname).toBe("/ui");
    await first.getByLabel("Master key").fill("sk-not-the-master-key");
    await first.getByRole("button", { name: "Sign in" }).click();
    await first.getByRole("alert").getByText("Invalid master key").waitFor();
    await screenshot(first, "sign-in");
    await first.getByLabel("Master key").fill(replicas[0]!.masterKey);
    await first.getByRole("button", { name: "Sign in" }).click();
    await first.getByRole("heading", { name: "Models" }).waitFor();
    expect(await first.evaluate("document.cookie")).toBe(""); // HttpOnly: the page's script cannot read it
  });

  it("is signed in on the second replica too, which names itself and its revision", async () => {
    second = await openSignedIn(urls[1]!);
    await second.getByRole("heading", { name: "Models" }).waitFor();
    const [one, two] = [await first.locator("#live").textContent(), await second.locator("#live").textContent()];
    expect(one?.split(" ")[1]).not.toBe(two?.split(" ")[1]);
  });

  it("shows an API validation error next to the field its param names", async () => {
    await first.getByLabel("Public name (model_name)").fill("bad-rpm");
    await first.getByLabel("Provider's model").fill("gpt-4o-mini");
    await first.getByLabel("RPM").fill("-5");
    await first.getByRole("button", { name: "Add model" }).click();
    await first.locator("#rpm-error:not(:empty)").waitFor();
    expect(await first.locator("#rpm-error").textContent()).toMatch(/.+/);
    expect(await first.locator("#rpm").getAttribute("aria-invalid")).toBe("true");
    expect(await first.locator("#add-model .form-error").textContent()).toBe("");
  });

  it("adds a model through the first replica and the second replica's open page shows it without reload", async () => {
    await first.getByLabel("Public name (model_name)").fill("ui-gpt");
    await first.getByLabel("Provider's model").fill("gpt-4o-mini");
    await first.getByLabel("API base").fill(`${upstream.url}/v1`);
    await first.getByLabel("API key").fill(UPSTREAM_KEY);
    await first.getByLabel("RPM").fill("60");
    await first.getByRole("button", { name: "Add model" }).click();
    await first.locator('tr[data-model="ui-gpt"]').waitFor();
    const started = Date.now();
    await second.locator('tr[data-model="ui-gpt"]').waitFor({ timeout: 5_000 });
    expect(Date.now() - started).toBeLessThan(LIVE_MS);
    expect(await second.locator('tr[data-model="ui-gpt"]').textContent()).toContain("stored (db_model)");
    await screenshot(second, "models");
  });

  it("edits the model through the second replica and the first replica's page follows", async () => {
    await second.getByRole("button", { name: "Edit ui-gpt" }).click();
    expect(await second.getByLabel("API key").inputValue()).toBe(""); // the stored key is never sent back
    await second.getByLabel("RPM").fill("120");
    await second.getByRole("button", { name: "Save changes" }).click();
    await first.locator('tr[data-model="ui-gpt"]').getByText("120 / –").waitFor({ timeout: 5_000 });
    expect(await second.getByRole("heading", { name: "Add a model" }).count()).toBe(1);
    const stored = await replicas[0]!.get("/v2/model/info?search=ui-gpt").expect(200);
    expect(stored.body.data[0].litellm_params).toMatchObject({ rpm: 120, api_key: expect.stringContaining("****") });
  });

  it("filters the models by provider on the server, so the count and pages stay right", async () => {
    const filter = async (provider: string) => {
      await second.getByLabel("Filter by provider").selectOption(provider);
      await second.getByRole("button", { name: "Filter" }).click();
    };
    await filter("anthropic");
    await second.getByText("Page 1 of 1 (0 deployments)").waitFor();
    expect(await second.locator('tr[data-model="ui-gpt"]').count()).toBe(0);
    await filter("openai");
    await second.locator('tr[data-model="ui-gpt"]').waitFor();
    expect(new Set(await second.locator("tbody tr td:nth-child(2)").allTextContents())).toEqual(new Set(["openai"]));
    await filter("");
    await second.locator('tr[data-model="ui-gpt"]').waitFor();
  });

  it("filters the models by source on the server too", async () => {
    const bySource = async (source: string) => {
      await second.getByLabel("Source").selectOption(source);
      await second.getByRole("button", { name: "Filter" }).click();
    };
    await bySource("config");
    await second.getByText("Page 1 of 1 (0 deployments)").waitFor(); // these replicas have no config models
    await bySource("stored");
    await second.locator('tr[data-model="ui-gpt"]').waitFor();
    await bySource("");
    await second.locator('tr[data-model="ui-gpt"]').waitFor();
  });

  it("tests the model with one real call through the proxy and shows the outcome and latency", async () => {
    await first.getByRole("button", { name: "Test ui-gpt" }).click();
    await first
      .locator('tr[data-model="ui-gpt"]')
      .getByText(/^OK in \d+ ms$/)
      .waitFor();
    expect(upstream.requests.at(-1)?.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
  });

  it("refuses a write that carries the session cookie but no CSRF token with 403", async () => {
    const body = { model_name: "forged", litellm_params: { model: "openai/gpt-4o" } };
    const res = await first.request.post(`${urls[0]}/model/new`, { data: body });
    expect(res.status()).toBe(403);
    expect((await res.json()).error.type).toBe("permission_error");
  });

  it("deletes a model after confirmation, and it leaves the second replica's page too", async () => {
    first.once("dialog", (dialog) => void dialog.accept());
    await first.getByRole("button", { name: "Delete ui-gpt" }).click();
    await first.locator('tr[data-model="ui-gpt"]').waitFor({ state: "detached" });
    await second.locator('tr[data-model="ui-gpt"]').waitFor({ state: "detached", timeout: 5_000 });
  });

  it("creates a key, shows the raw key once, and revokes it", async () => {
    await first.getByRole("link", { name: "Keys" }).click();
    await first.getByLabel("Alias").fill("ui-team");
    const before = Number(/revision (\d+)/.exec((await first.locator("#live").textContent()) ?? "")?.[1]);
    await first.getByRole("button", { name: "Create key" }).click();
    const raw = await first.locator("#raw-key").textContent();
    expect(raw).toMatch(/^sk-/);
    // The live update that follows the write refreshes the table, not the box holding the raw key.
    await first
      .locator("#live")
      .getByText(`revision ${before + 1}`)
      .waitFor();
    await first.locator('tr[data-key="ui-team"]').waitFor();
    expect(await first.locator("#raw-key").textContent()).toBe(raw);
    await screenshot(first, "keys");
    await second.getByRole("link", { name: "Keys" }).click();
    await second.locator('tr[data-key="ui-team"]').waitFor();
    await first.reload();
    await first.locator('tr[data-key="ui-team"]').waitFor();
    expect(await first.locator("#raw-key").count()).toBe(0);
    expect(await first.content()).not.toContain(raw!);
    first.once("dialog", (dialog) => void dialog.accept());
    await first.getByRole("button", { name: "Revoke ui-team" }).click();
    await second.locator('tr[data-key="ui-team"]').waitFor({ state: "detached", timeout: 5_000 });
  });

  it("edits a key through the first replica (errors at their field) and the second replica's page follows", async () => {
    await replicas[0]!.post("/key/generate", { key_alias: "ui-edit", models: ["gpt-4o"] }).expect(200);
    await first.locator('tr[data-key="ui-edit"]').waitFor();
    await second.locator('tr[data-key="ui-edit"]').waitFor();
    await first.getByRole("button", { name: "Edit ui-edit" }).click();
    expect(await first.getByLabel("Models (comma-separated, empty for all)").inputValue()).toBe("gpt-4o");
    await first.getByLabel("RPM limit").fill("-5");
    await first.getByRole("button", { name: "Save key" }).click();
    await first.locator("#rpm_limit-error:not(:empty)").waitFor();
    expect(await first.locator("#rpm_limit").getAttribute("aria-invalid")).toBe("true");
    await first.getByLabel("Alias").fill("ui-edited");
    await first.getByLabel("Models (comma-separated, empty for all)").fill("gpt-4o, gpt-4o-mini");
    await first.getByLabel("RPM limit").fill("30");
    await first.getByLabel("TPM limit").fill("5000");
    await first.getByLabel("Max budget (USD)").fill("2.5");
    await first.getByRole("button", { name: "Save key" }).click();
    await first.getByRole("heading", { name: "Create a key" }).waitFor();
    const started = Date.now();
    const row = second.locator('tr[data-key="ui-edited"]');
    await row.waitFor({ timeout: 5_000 });
    expect(Date.now() - started).toBeLessThan(LIVE_MS);
    expect(await row.textContent()).toContain("gpt-4o, gpt-4o-mini");
    expect(await row.textContent()).toContain("30 / 5000");
    expect(await row.textContent()).toContain("2.5");
    await first.getByRole("button", { name: "Edit ui-edited" }).click();
    await first.getByLabel("Max budget (USD)").fill("");
    await first.getByRole("button", { name: "Save key" }).click();
    await second.locator('tr[data-key="ui-edited"] td:nth-child(6)').getByText("–").waitFor({ timeout: 5_000 });
  });

  it("lists the change history of models and keys with revisions, changes and who made them", async () => {
    await second.getByRole("link", { name: "History" }).click();
    const rows = second.locator("tbody tr");
    await rows.first().waitFor();
    const models = second.locator('tbody tr[data-kind="model"]');
    expect(await models.count()).toBe(3); // create, update, delete
    expect(await models.first().textContent()).toContain("delete");
    expect(await models.first().textContent()).toContain("proxy_admin");
    // Keys: ui-team created and revoked, ui-edit created and edited twice; by alias and token, newest first.
    const keys = second.locator('tbody tr[data-kind="key"]');
    expect(await keys.count()).toBe(5);
    expect(await rows.first().getAttribute("data-kind")).toBe("key");
    expect(await rows.first().textContent()).toMatch(/update.*ui-edited \([0-9a-f]{12}…\)/);
    expect(await keys.last().textContent()).toContain("create");
    await screenshot(second, "history");
  });

  it("fits a phone's width: only tables scroll sideways, not the page", async () => {
    const phone = await openSignedIn(urls[1]!);
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.getByRole("heading", { name: "Add a model" }).waitFor();
    expect(await phone.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    await screenshot(phone, "models-phone");
    await phone.close();
  });

  it("signs out: the page asks for the master key and the cookie no longer works", async () => {
    await first.getByRole("button", { name: "Sign out" }).click();
    await first.getByLabel("Master key").waitFor();
    expect((await first.request.get(`${urls[0]}/ui/session`)).status()).toBe(401);
  });

  it("sent the browser no secret: not the master key, not the upstream key", () => {
    expect(received.length).toBeGreaterThan(10);
    for (const secret of [replicas[0]!.masterKey, UPSTREAM_KEY, "test-salt-key-for-encryption-at-rest"])
      expect(received.filter((body) => body.includes(secret))).toEqual([]);
  });
});
