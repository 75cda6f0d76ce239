// GET /healthz: the process answers. GET /readyz: the database and pub/sub answer too; a failing
// one is named, and why it fails is told only to the operator (the metrics token) and the log:
// a driver's words hold internal addresses.
import type { FastifyInstance } from "fastify";
import { bearerMatches } from "./metrics.js";

export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

export function registerHealthRoutes(app: FastifyInstance, checks: ReadinessCheck[], metricsToken: string | undefined): void {
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (request, reply) => {
    // Without a metrics token nobody is known to be the operator: the details stay in the log.
    const operator = metricsToken !== undefined && bearerMatches(request.headers.authorization, metricsToken);
    const results = await Promise.all(
      checks.map(async ({ name, check }) => {
        try {
          await check();
          return [name, "ok"] as const;
        } catch (error) {
          request.log.warn({ err: error, check: name }, "readiness check failing");
          return [name, operator ? `failing: ${(error as Error).message}` : "failing"] as const;
        }
      }),
    );
    const ready = results.every(([, state]) => state === "ok");
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not ready", checks: Object.fromEntries(results) });
  });
}
