// urql 6 (@urql/core) with its defaults against a real server: its GET queries are served when they carry the token, and refused as CSRF without a preflight-forcing header.
import { Client, cacheExchange, fetchExchange } from "@urql/core";
import { describe, expect, it } from "vitest";
import { JidDocument, MyProfileDocument } from "../client/generated/graphql.js";
import { registerUser } from "./support/fixtures.js";
import { backendName, type Endpoint, startServer } from "./support/server.js";

/** A urql client with its default options (GET for queries within the URL limit) and the methods of the requests it made. */
function urqlFor(server: Endpoint, options: { token?: string; headers?: Record<string, string>; preferGetMethod?: false } = {}) {
  const methods: string[] = [];
  const headers = { ...options.headers, ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) };
  const client = new Client({
    url: server.graphqlUrl,
    exchanges: [cacheExchange, fetchExchange],
    fetchOptions: { headers },
    ...(options.preferGetMethod === false ? { preferGetMethod: false } : {}),
    fetch: (input, init) => {
      methods.push(init?.method ?? "GET");
      return fetch(input, init);
    },
  });
  return { client, methods };
}

describe(`urql with its defaults (${backendName})`, () => {
  it("a query sent as GET with the bearer token is answered", async () => {
    const server = await startServer();
    const alice = await registerUser(server);
    const { client, methods } = urqlFor(server, { token: alice.token });

    const result = await client.query(MyProfileDocument, {}).toPromise();
    expect(result.error).toBeUndefined();
    expect(result.data?.myProfile).toMatchObject({ id: alice.jid, jid: alice.jid, username: alice.username });
    expect(methods).toEqual(["GET"]);
  });

  it("an anonymous GET is refused as a potential CSRF; the README's options make it pass", async () => {
    const server = await startServer();
    const alice = await registerUser(server);
    const variables = { username: alice.username };

    const plain = await urqlFor(server).client.query(JidDocument, variables).toPromise();
    expect(plain.error?.response?.status).toBe(400);
    expect(plain.error?.message).toContain("Cross-Site Request Forgery");

    const preflighted = urqlFor(server, { headers: { "apollo-require-preflight": "true" } });
    expect((await preflighted.client.query(JidDocument, variables).toPromise()).data).toEqual({ jid: alice.jid });
    expect(preflighted.methods).toEqual(["GET"]);

    const posting = urqlFor(server, { preferGetMethod: false });
    expect((await posting.client.query(JidDocument, variables).toPromise()).data).toEqual({ jid: alice.jid });
    expect(posting.methods).toEqual(["POST"]);
  });
});
