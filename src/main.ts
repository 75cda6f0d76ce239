// Start: read config, build the app, listen, and shut down cleanly on SIGTERM/SIGINT.
import "reflect-metadata";
import { createApp, createLogger } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`parley: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const log = createLogger(config);
  let app;
  try {
    app = await createApp(config, log);
  } catch (error) {
    // A setting that is well-formed but unusable (a key file that cannot be read) stops the start too.
    if (error instanceof ConfigError) {
      console.error(`parley: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const url = await app.listen();
  log.info(
    { url: `${url}/graphql`, database: config.databaseUrl ? "postgres" : "sqlite", pubsub: config.redisUrl ? "redis" : "in-process" },
    "parley is listening",
  );
  // The first signal starts a graceful shutdown: operations under way finish, sockets close
  // with 1001, Redis and the database are closed, exit 0. Past SHUTDOWN_TIMEOUT_MS, or on a
  // second signal, the process exits anyway with 1.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, "second signal: exiting without waiting");
      process.exit(1);
    }
    stopping = true;
    log.info({ signal, timeoutMs: config.shutdownTimeoutMs }, "shutting down");
    const deadline = setTimeout(() => {
      log.error({ timeoutMs: config.shutdownTimeoutMs }, "shutdown timed out; exiting");
      process.exit(1);
    }, config.shutdownTimeoutMs);
    app.close().then(
      () => {
        clearTimeout(deadline);
        log.info("shut down");
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((err: unknown) => {
  console.error("parley: failed to start:", err);
  process.exit(1);
});
