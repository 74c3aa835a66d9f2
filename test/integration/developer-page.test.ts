/**
 * The developer page a browser gets at the GraphQL URL, loaded in headless Chromium:
 * `graphiql` is served entirely by the gateway (no request leaves it, so it works offline) and
 * runs a query against the endpoint; `sandbox` is served with Apollo's usage telemetry off
 * (its app comes from Apollo's CDN, which this machine cannot reach, so only the page we serve
 * is checked); `off` serves no page.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { buildDeveloperPage, developerPageStale } from "../../gateway/developer-page/build.ts";
import { launchChromium } from "../helpers/chromium.ts";
import { startTestGateway, type TestGateway } from "../helpers/gateway.ts";

let browser: Browser;
let graphiql: TestGateway;
let sandbox: TestGateway;
let off: TestGateway;

before(async () => {
  if (developerPageStale()) await buildDeveloperPage();
  browser = await launchChromium();
  const base = { readiness: { checkSubgraphs: false }, mode: "development" } as const;
  [graphiql, sandbox, off] = await Promise.all([
    startTestGateway({ ...base, developerPage: "graphiql" }, { captureLogs: true }),
    startTestGateway(base),
    startTestGateway({ ...base, developerPage: "off" }),
  ]);
}, { timeout: 600_000 });
after(async () => {
  await browser?.close();
  await Promise.all([graphiql?.stop(), sandbox?.stop(), off?.stop()]);
});

describe("the developer page", () => {
  it("graphiql: loads from the gateway alone and runs a query against the endpoint", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const origin = new URL(graphiql.url).origin;
    const elsewhere: string[] = [];
    // Anything not from the gateway is refused and remembered: the page must not need it.
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(origin) || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
      elsewhere.push(url);
      return route.abort();
    });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    try {
      const query = "query FromTheDeveloperPage { __typename }";
      await page.goto(`${graphiql.url}#query=${encodeURIComponent(query)}`, { waitUntil: "load", timeout: 60_000 });
      await page.locator(".graphiql-container").waitFor({ timeout: 60_000 });
      const execute = page.locator("button.graphiql-execute-button");
      await execute.waitFor({ timeout: 60_000 });
      // The editor shows the linked operation once Monaco has started.
      await page.locator(".graphiql-query-editor").getByText("FromTheDeveloperPage").first().waitFor({ timeout: 60_000 });
      await execute.click();
      await page.locator(".graphiql-response").getByText('"Query"').first().waitFor({ timeout: 60_000 });
      assert.ok(
        graphiql.logs.some((l) => l.msg === "request completed" && l.operationName === "FromTheDeveloperPage" && l.status === 200),
        "the gateway served the page's query",
      );
      assert.deepEqual(elsewhere, [], "the page asked nothing of another host");
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it("sandbox: serves Apollo Sandbox with its telemetry off", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    // Apollo's CDN is out of reach here: keep the browser from trying, read the page we serve.
    await context.route("**/*", (route) => (route.request().url().startsWith(new URL(sandbox.url).origin) ? route.continue() : route.abort()));
    try {
      const response = await page.goto(sandbox.url, { waitUntil: "domcontentloaded", timeout: 60_000 });
      assert.equal(response?.status(), 200);
      const html = await response!.text();
      assert.match(html, /runTelemetry["']?\s*:\s*false/);
      assert.doesNotMatch(html, /runTelemetry["']?\s*:\s*true/);
    } finally {
      await context.close();
    }
  });

  it("off: serves no page, only the JSON endpoint", async () => {
    const res = await fetch(off.url, { headers: { accept: "text/html" } });
    assert.doesNotMatch(await res.text(), /<html/i);
  });
});
