// The playground switch over plain HTTP and WebSocket: the IDE page and its locally served assets,
// and introspection following PLAYGROUND on both doors; a subscription sent over HTTP is refused
// with a pointer to the WebSocket (the browser test drives the page itself).
import { describe, expect, it } from "vitest";
import { gql, WsClient } from "./support/clients.js";
import { registerUser } from "./support/fixtures.js";
import { startServer, type TestServer } from "./support/server.js";

const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
const INTROSPECT = `{ __schema { queryType { name } } }`;

async function openPage(server: TestServer): Promise<Response> {
  return fetch(server.graphqlUrl, { headers: { accept: BROWSER_ACCEPT } });
}

/** Every src/href the page loads, as written in the HTML. */
function assetReferences(html: string): string[] {
  return [...html.matchAll(/(?:src|href)="([^"]+)"|import [^"]*"([^"]+)"|from "([^"]+)"/g)].map((m) => (m[1] ?? m[2] ?? m[3])!);
}

describe("playground on (development default)", () => {
  it("GET /graphql from a browser serves the IDE page", async () => {
    const server = await startServer({ NODE_ENV: "development" });
    const response = await openPage(server);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain("<title>Parley — GraphQL playground</title>");
    expect(html).toContain('id="ruru-root"');
    expect(html).toContain('"endpoint": "/graphql"');
  });

  it("the default document and variables touch nobody's account: the register is of a random new name", async () => {
    const server = await startServer();
    const html = await (await openPage(server)).text();
    expect(html).not.toMatch(/userIdentifier[^,}]*alice/);
    expect(html).toContain('userIdentifier: "demo" + Math.random()');
  });

  it("the page loads nothing from another host and every asset it names is served here", async () => {
    const server = await startServer();
    const html = await (await openPage(server)).text();
    const refs = assetReferences(html);
    expect(refs).toEqual(expect.arrayContaining(["/playground/ruru.js", "/playground/ruru.css"]));
    expect(html).not.toMatch(/(src|href)="https?:/);
    for (const ref of refs) {
      expect(ref.startsWith("/playground/"), ref).toBe(true);
      const asset = await fetch(new URL(ref, server.url));
      expect(asset.status, ref).toBe(200);
      expect((await asset.arrayBuffer()).byteLength, ref).toBeGreaterThan(1000);
    }
    const script = await fetch(`${server.url}/playground/ruru.js`, { headers: { "accept-encoding": "br" } });
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(script.headers.get("content-encoding")).toBe("br");
    const again = await fetch(`${server.url}/playground/ruru.js`, { headers: { "if-none-match": script.headers.get("etag")! } });
    expect(again.status).toBe(304);
  });

  it("an unknown asset is 404", async () => {
    const server = await startServer();
    expect((await fetch(`${server.url}/playground/nope.js`)).status).toBe(404);
    expect((await fetch(`${server.url}/playground/ruru.js.map`)).status).toBe(404);
  });

  it("GraphQL clients asking for JSON on GET /graphql still get GraphQL", async () => {
    const server = await startServer();
    const response = await fetch(`${server.graphqlUrl}?query=${encodeURIComponent("{ __typename }")}`, {
      // apollo-require-preflight: Apollo's CSRF prevention refuses a GET that a form could send.
      headers: { accept: "application/graphql-response+json, application/json", "apollo-require-preflight": "true" },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: "Query" } });
  });

  it("introspection answers on HTTP and WebSocket", async () => {
    const server = await startServer();
    expect((await gql(server, INTROSPECT)).data).toEqual({ __schema: { queryType: { name: "Query" } } });
    const user = await registerUser(server);
    const ws = await WsClient.connect(server, user.token);
    expect((await ws.execute(INTROSPECT)).data).toEqual({ __schema: { queryType: { name: "Query" } } });
    await ws.close();
  });
});

describe("playground off", () => {
  async function expectOff(server: TestServer): Promise<void> {
    const response = await openPage(server);
    expect(response.headers.get("content-type") ?? "").not.toMatch(/text\/html/);
    expect(await response.text()).not.toContain("ruru");
    expect((await fetch(`${server.url}/playground/ruru.js`)).status).toBe(404);

    const http = await gql(server, INTROSPECT);
    expect(http.data).toBeUndefined();
    expect(http.errors?.[0]?.message).toMatch(/introspection/i);
    expect(http.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    const user = await registerUser(server);
    const ws = await WsClient.connect(server, user.token);
    const overWs = await ws.execute(INTROSPECT);
    expect(overWs.data).toBeUndefined();
    expect(overWs.errors?.[0]?.message).toMatch(/introspection/i);
    await ws.close();
  }

  it("is off by default in production, with introspection, on HTTP and WebSocket", async () => {
    await expectOff(await startServer({ NODE_ENV: "production", REGISTRATION: "open" }));
  });

  it("PLAYGROUND=false turns it off in development", async () => {
    await expectOff(await startServer({ NODE_ENV: "development", PLAYGROUND: "false" }));
  });

  it("PLAYGROUND=true turns it on in production, with introspection", async () => {
    const server = await startServer({ NODE_ENV: "production", REGISTRATION: "open", PLAYGROUND: "true" });
    expect((await openPage(server)).status).toBe(200);
    expect((await gql(server, INTROSPECT)).data).toEqual({ __schema: { queryType: { name: "Query" } } });
  });
});

describe("subscriptions over HTTP", () => {
  it("are refused with BAD_REQUEST pointing to the WebSocket", async () => {
    const server = await startServer();
    const user = await registerUser(server);
    const result = await gql(server, `subscription { messageReceived { id } }`, {}, { token: user.token });
    expect(result.status).toBe(400);
    expect(result.data ?? null).toBeNull();
    expect(result.errors).toEqual([
      {
        message: "subscriptions are served over WebSocket (graphql-transport-ws) on /graphql, not over HTTP",
        extensions: { code: "BAD_REQUEST", statusCode: 400 },
      },
    ]);
  });
});
