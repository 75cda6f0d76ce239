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
  const app = await createApp(config, log);
  const url = await app.listen();
  log.info(
    { url: `${url}/graphql`, database: config.databaseUrl ? "postgres" : "sqlite", pubsub: config.redisUrl ? "redis" : "in-process" },
    "parley is listening",
  );
  const stop = (signal: string) => {
    log.info({ signal }, "shutting down");
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
}

main().catch((err: unknown) => {
  console.error("parley: failed to start:", err);
  process.exit(1);
});
