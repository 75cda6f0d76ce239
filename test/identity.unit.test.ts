// Unit tests of the dense bits of identity: jid parsing, password hashing, the verified-token cache.
import { describe, expect, it } from "vitest";
import { Jids } from "../src/identity/jid.js";
import { generatePassword, hashPassword, verifyPassword } from "../src/identity/password.js";
import { InvalidTokenError, VerifiedTokens } from "../src/identity/token.js";

describe("Jids", () => {
  const jids = new Jids("chat.example.com");

  it("builds user and group jids", () => {
    expect(jids.user("Alice")).toBe("alice@chat.example.com");
    expect(jids.group("team-1")).toBe("team-1@mix.chat.example.com");
  });

  it.each([
    ["alice@chat.example.com", "alice"],
    ["ALICE@Chat.Example.com", "alice"],
    ["alice@other.example.com", null],
    ["alice@mix.chat.example.com", null],
    ["alice", null],
    ["@chat.example.com", null],
    ["a@b@chat.example.com", null],
    ["al-ice@chat.example.com", null],
    [`${"a".repeat(65)}@chat.example.com`, null],
  ])("parseUser(%s) is %s", (jid, username) => {
    expect(jids.parseUser(jid)).toBe(username);
  });

  it.each([
    ["team-1@mix.chat.example.com", "team-1"],
    ["team@chat.example.com", null],
    ["te am@mix.chat.example.com", null],
  ])("parseGroup(%s) is %s", (jid, groupId) => {
    expect(jids.parseGroup(jid)).toBe(groupId);
  });
});

describe("passwords", () => {
  it("verifies the password it hashed and nothing else", async () => {
    const password = generatePassword();
    const stored = await hashPassword(password);
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(await verifyPassword(password, stored)).toBe(true);
    expect(await verifyPassword(`${password}x`, stored)).toBe(false);
    expect(await verifyPassword(password, "md5$whatever")).toBe(false);
  });

  it("salts each hash", async () => {
    expect(await hashPassword("same")).not.toBe(await hashPassword("same"));
  });
});

describe("verified tokens", () => {
  it("checks a token's signature once, every other token on its own, and its expiry every time", async () => {
    const cache = new VerifiedTokens<{ sub: string; expiresAt: Date }>();
    const checked: string[] = [];
    let expiresAt = new Date(Date.now() + 60_000);
    const verify = async (token: string) => {
      checked.push(token);
      return { sub: token.toUpperCase(), expiresAt };
    };
    expect(await cache.get("a.b.c", verify)).toMatchObject({ sub: "A.B.C" });
    // The same characters, cut from a header as the doors do: remembered.
    expect(await cache.get("Bearer a.b.c".slice(7), verify)).toMatchObject({ sub: "A.B.C" });
    // Differing in one character, or sharing a prefix: checked, with claims of its own.
    expect(await cache.get("a.b.d", verify)).toMatchObject({ sub: "A.B.D" });
    expect(await cache.get("a.b.c.", verify)).toMatchObject({ sub: "A.B.C." });
    expect(checked).toEqual(["a.b.c", "a.b.d", "a.b.c."]);
    expiresAt = new Date(Date.now() - 1);
    expect(await cache.get("x.y.z", verify)).toMatchObject({ sub: "X.Y.Z" });
    await expect(cache.get("x.y.z", verify)).rejects.toBeInstanceOf(InvalidTokenError);
  });
});
