/**
 * Headless Chromium for browser tests: Debian's `chromium` (installed with apt-get when
 * missing, like promtool and redis-server), driven by playwright-core, which downloads no
 * browser of its own. The flags keep it from calling home (no component updates, sync or
 * background networking), so a test sees every request the page itself makes.
 */
import { chromium, type Browser } from "playwright-core";
import { ensureTool } from "../setup/ensure-tool.ts";

const flags = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function launchChromium(): Promise<Browser> {
  const executablePath = await ensureTool("chromium", "chromium");
  return chromium.launch({ executablePath, headless: true, args: flags });
}
