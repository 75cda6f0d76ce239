// JSON over HTTP with undici's pool: kept-alive connections, and far less client CPU per request
// than fetch, so that the load generator is not what limits the figures.
import { Pool } from "undici";

const pools = new Map<string, Pool>();

/** Connections per server; more in-flight requests than this queue in the client. */
const CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 128);

export async function postJson<T>(origin: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  let pool = pools.get(origin);
  if (!pool) pools.set(origin, (pool = new Pool(origin, { connections: CONNECTIONS })));
  const response = await pool.request({
    method: "POST",
    path,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.statusCode, body: (await response.body.json()) as T };
}
