// Runs before each test file: decorator metadata, and teardown of every server the file started.
import "reflect-metadata";
import { afterAll } from "vitest";
import { stopAllServers } from "./server.js";

afterAll(async () => {
  await stopAllServers();
});
