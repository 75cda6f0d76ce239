// Which driver errors are an outage (SERVICE_UNAVAILABLE) and which a bug (masked): the shapes
// pg, TypeORM and ioredis really throw, made with their own classes where they export them.
import { MaxRetriesPerRequestError } from "ioredis/built/errors/index.js";
import pg from "pg";
import { QueryFailedError, QueryRunnerAlreadyReleasedError } from "typeorm";
import { describe, expect, it } from "vitest";
import { dependencyUnreachable } from "../src/graphql/unreachable.js";

function pgError(code: string, message: string): Error {
  const error = new pg.DatabaseError(message, message.length, "error");
  error.code = code;
  return error;
}

function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5441`), { code, syscall: "connect", address: "127.0.0.1", port: 5441 });
}

describe("dependencyUnreachable", () => {
  it.each([
    ["a refused connection", socketError("ECONNREFUSED")],
    ["a reset connection", socketError("ECONNRESET")],
    ["an admin shutdown (57P01), as in a restart", pgError("57P01", "terminating connection due to administrator command")],
    ["a server starting up (57P03)", pgError("57P03", "the database system is starting up")],
    ["a connection exception (08006)", pgError("08006", "connection failure")],
    ["too many connections (53300)", pgError("53300", "sorry, too many clients already")],
    ["a connection ended under a query", new Error("Connection terminated unexpectedly")],
    ["a pool that could not connect in time", new Error("timeout exceeded when trying to connect")],
    ["a client broken earlier", new Error("Client has encountered a connection error and is not queryable")],
    ["TypeORM's wrapper of a pg error", new QueryFailedError("SELECT 1", [], pgError("57P01", "terminating connection due to administrator command"))],
    ["every address refused (AggregateError)", new AggregateError([socketError("ECONNREFUSED"), socketError("ECONNREFUSED")], "")],
    ["an error caused by one", new Error("lookup failed", { cause: socketError("ECONNREFUSED") })],
  ])("the database, for %s", (_, error) => {
    expect(dependencyUnreachable(error)).toBe("database");
  });

  it.each([
    ["a command past its retries", new MaxRetriesPerRequestError(2)],
    ["a connection closed under a command", new Error("Connection is closed.")],
  ])("Redis, for %s", (_, error) => {
    expect(dependencyUnreachable(error)).toBe("redis");
  });

  it.each([
    ["a missing table (42P01)", pgError("42P01", 'relation "receipts" does not exist')],
    ["a unique violation (23505)", pgError("23505", "duplicate key value violates unique constraint")],
    ["a bad byte sequence (22021)", new QueryFailedError("INSERT", [], pgError("22021", "invalid byte sequence for encoding"))],
    ["a released query runner (a bug of ours)", new QueryRunnerAlreadyReleasedError()],
    ["SQLite busy past busy_timeout", Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" })],
    ["a plain error", new TypeError("Cannot read properties of undefined")],
    ["something not an Error", "ECONNREFUSED"],
  ])("nothing, for %s", (_, error) => {
    expect(dependencyUnreachable(error)).toBeUndefined();
  });
});
