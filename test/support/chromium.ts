// Headless Chromium for the browser tests (playwright-core): where it is, whether it is missing
// (a failure in CI, which installs it; a skip, said once, elsewhere), and how to launch it here.
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

// Without these a headless Chromium on a machine without network waits on updaters, sync and QUIC.
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** True when the test named `what` must be skipped; throws in CI, where Chromium must be there. */
export function chromiumMissing(what: string): boolean {
  if (existsSync(CHROMIUM)) return false;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must run the ${what} (.ci/run installs the chromium package)`);
  console.warn(`${what} skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  return true;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}
