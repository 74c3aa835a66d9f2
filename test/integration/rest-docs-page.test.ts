/**
 * The REST endpoints' documentation page, in headless Chromium: it loads from the gateway alone,
 * lists every endpoint of the OpenAPI document with its parameters and responses, and throws
 * nothing.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { launchChromium } from "../helpers/chromium.ts";
import { startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { demoAuth, startTestSubgraphs, type TestSubgraphs } from "../helpers/system.ts";

let subgraphs: TestSubgraphs;
let gateway: TestGateway;
let browser: Browser;

before(async () => {
  subgraphs = await startTestSubgraphs();
  gateway = await startTestGateway({
    subgraphs: { ...subgraphs.routing, all: { healthCheck: { enabled: false } } },
    auth: demoAuth(subgraphs),
    operations: { persisted: { manifest: "gateway/operations.json", mode: "allow" } },
  });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await gateway?.stop();
  await subgraphs?.close();
});

describe("the REST documentation page", () => {
  it("lists every endpoint of openapi.json with its parameters and responses, loading nothing from elsewhere", async () => {
    const origin = new URL(gateway.url).origin;
    const document = (await (await fetch(`${origin}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const expected = Object.entries(document.paths)
      .flatMap(([path, item]) => Object.keys(item).filter((m) => ["get", "post", "put", "patch", "delete"].includes(m)).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    assert.ok(expected.length >= 2, "the demo manifest has endpoints");

    const context = await browser.newContext();
    const page = await context.newPage();
    const elsewhere: string[] = [];
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(origin)) return route.continue();
      elsewhere.push(url);
      return route.abort();
    });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    try {
      await page.goto(`${origin}/api/docs`, { waitUntil: "load", timeout: 60_000 });
      await page.locator("[data-endpoint]").first().waitFor({ timeout: 60_000 });
      const shown = (await page.locator("[data-endpoint]").evaluateAll((els) => els.map((e) => (e as unknown as { dataset: Record<string, string> }).dataset.endpoint!))).sort();
      assert.deepEqual(shown, expected);
      const withParameter = page.locator("[data-endpoint] table").first();
      assert.ok((await withParameter.textContent())?.includes("parameter") || (await withParameter.textContent())?.includes("status"));
      assert.ok((await page.locator(".curl").first().textContent())?.startsWith("curl -X "));
      assert.deepEqual(elsewhere, []);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it("answers a trailing slash with a redirect to the page, where its relative links resolve", async () => {
    const response = await fetch(`${new URL(gateway.url).origin}/api/docs/`, { redirect: "manual" });
    assert.equal(response.status, 308);
    assert.equal(response.headers.get("location"), "/api/docs");
  });
});
