// npm run migrate: applies pending migrations to the configured database, then exits.
import "reflect-metadata";
import { createLogger } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";
import { openDatabase } from "./db/database.js";
import { entities, migrations } from "./registry.js";

try {
  const config = loadConfig();
  const db = await openDatabase(config, createLogger(config), { entities, migrations });
  await db.close();
  console.log(`parley: migrations applied (${config.databaseUrl ? "postgres" : "sqlite"})`);
} catch (error) {
  console.error(`parley: ${error instanceof ConfigError ? error.message : String((error as Error).stack ?? error)}`);
  process.exit(1);
}
