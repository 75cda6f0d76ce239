// Request ids: a caller's x-request-id when it is a sane token, else a fresh UUID. HTTP requests
// and WebSocket connections take theirs from it; every log line of the request carries it.
import { randomUUID } from "node:crypto";

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The header's id when it is one, else fresh (a new UUID unless given). */
export function requestIdFrom(header: unknown, fresh?: string): string {
  return typeof header === "string" && REQUEST_ID.test(header) ? header : (fresh ?? randomUUID());
}
