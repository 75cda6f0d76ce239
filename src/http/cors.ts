// Browsers on other origins: CORS on HTTP (@fastify/cors) and the same origins checked at the
// WebSocket upgrade, which CORS does not cover. Bearer tokens are not cookies, so no credentials
// are ever allowed, and any origin may call by default (CORS_ORIGINS restricts it).
import cors from "@fastify/cors";
import type { FastifyInstance } from "fastify";
import type { Config } from "../config.js";

/** Whether a browser page from this origin may open a socket. No Origin header: not a browser, nothing to check. */
export function originAllowed(origins: Config["corsOrigins"], origin: string | undefined): boolean {
  return origins === "*" || origin === undefined || origins.includes(origin);
}

export async function registerCors(fastify: FastifyInstance, origins: Config["corsOrigins"]): Promise<void> {
  await fastify.register(cors, {
    origin: origins === "*" ? "*" : [...origins],
    credentials: false,
    methods: ["GET", "POST"],
    // A client told to wait (429, 503) reads Retry-After; x-request-id ties an answer to the server's log.
    exposedHeaders: ["retry-after", "x-request-id"],
    // Browsers may keep a preflight's answer for ten minutes instead of asking before every request.
    maxAge: 600,
  });
}
