// The watchdog of test/support/setup.ts: a test that never yields to the event loop, where
// vitest's own timeout cannot fire, fails its file with the test's name and its stack, and the
// run ends instead of waiting for CI's limit.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it, onTestFinished } from "vitest";

const root = join(fileURLToPath(import.meta.url), "../..");

it("ends a file whose test never yields, naming the test and where its time goes", { timeout: 60_000 }, async () => {
  const vitest = join(root, "node_modules/vitest/vitest.mjs");
  const child = spawn(process.execPath, [vitest, "run", "--config", "test/support/stall.config.ts"], {
    cwd: root,
    env: { ...process.env, WATCHDOG_STALL_MS: "2000", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    // A group of its own: were the watchdog to fail, this test's end takes the spinning worker with it.
    detached: true,
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  expect(code, output).not.toBe(0);
  expect(output).toContain("[watchdog] the event loop has not turned for");
  expect(output).toContain("stall.fixture.ts > goes round on resolved promises");
  // The loop's own line among where the time went.
  expect(output).toMatch(/\[watchdog\] +\d+ +\S+ +file:\/\/\S*\/test\/support\/stall\.fixture\.ts:\d+/);
});
