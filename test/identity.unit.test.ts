// Unit tests of the dense bits of identity: jid parsing and password hashing.
import { describe, expect, it } from "vitest";
import { Jids } from "../src/identity/jid.js";
import { generatePassword, hashPassword, verifyPassword } from "../src/identity/password.js";

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
