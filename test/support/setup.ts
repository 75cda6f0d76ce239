// Runs before each test file: decorator metadata, a watchdog on the file's event loop, and
// teardown of every server the file started.
import "reflect-metadata";
import { afterAll, beforeEach } from "vitest";
import { stopAllServers } from "./server.js";
import { startWatchdog } from "./watchdog.js";

const watchdog = startWatchdog();
beforeEach((context) => watchdog.tell(`${context.task.file.name} > ${context.task.name}`));

afterAll(async () => {
  await stopAllServers();
});
