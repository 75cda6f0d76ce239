// Groups through the client's door, with participants spread over two server processes: the
// lifecycle (create, rename, image, add, promote, remove, exit, last admin, delete), validation,
// who may do what (members, outsiders, former participants), and groupUpdated events.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { gqlAs, ok, onlyError, WsClient } from "./support/clients.js";
import { createGroup, GROUP_FIELDS, participantsOf, registerUsers, sendText, type TestGroup, type TestUser } from "./support/fixtures.js";
import { startServerPair, type TestServer } from "./support/server.js";

const SET_PROFILE = `mutation($g: ID!, $name: String, $imageUrl: String, $imageFileToken: String) {
  setGroupProfile(groupJid: $g, name: $name, imageUrl: $imageUrl, imageFileToken: $imageFileToken) { name image } }`;
const ADD = `mutation($g: ID!, $jids: [ID!]!) { addParticipants(groupJid: $g, participantJids: $jids) { participants { user { jid } role } participantCount } }`;
const REMOVE = `mutation($g: ID!, $u: ID!) { removeParticipant(groupJid: $g, userJid: $u) { participants { user { jid } role } } }`;
const PROMOTE = `mutation($g: ID!, $u: ID!) { makeAsAdmin(groupJid: $g, userJid: $u) { participants { user { jid } role } } }`;
const EXIT = `mutation($g: ID!) { userExitGroup(groupJid: $g) }`;
const DELETE = `mutation($g: ID!) { userDeleteGroup(groupJid: $g) }`;
const GROUP = `query($jid: ID!) { group(jid: $jid) { ${GROUP_FIELDS} } }`;
const CREATE = `mutation($name: String!, $jids: [ID!]!, $imageUrl: String, $imageFileToken: String) {
  createGroup(name: $name, participantJids: $jids, imageUrl: $imageUrl, imageFileToken: $imageFileToken) { jid } }`;
const EVENTS = `subscription { groupUpdated { type groupJid actorJid targetJids at group { name participantCount myRole } } }`;
const HISTORY = `query($jid: ID!) { chatMessages(jid: $jid, limit: 100) { messages { id text } } }`;

type GroupEvent = { groupUpdated: { type: string; groupJid: string; actorJid: string; targetJids: string[]; group: { name: string; participantCount: number; myRole: string | null } | null } };

describe("groups", () => {
  // Participants act through both servers of the pair (two processes on PostgreSQL + Redis, one on
  // the embedded default): the admin through one, the others through two.
  let one: TestServer;
  let two: TestServer;
  beforeAll(async () => {
    [one, two] = await startServerPair({ MAX_GROUP_SIZE: "5" });
  });

  const users = <N extends number>(n: N) => registerUsers(one, n);
  const groupsOf = async (server: TestServer, user: TestUser) =>
    (await ok(server, `{ groups { jid } }`, {}, { token: user.token })).groups.map((g: { jid: string }) => g.jid);

  describe("lifecycle", () => {
    // groups and recentChats read every group of the viewer together: nothing may cross over.
    it("groups and recentChats show each of the viewer's groups with its own participants and the viewer's role in it", async () => {
      const [me, b, c, d] = await users(4);
      const mine = await createGroup(one, me, [b], { name: "Mine" });
      const theirs = await createGroup(one, b, [me, c, d], { name: "Theirs" });
      const third = await createGroup(one, c, [me], { name: "Third" });
      const left = await createGroup(one, d, [me, b], { name: "Left" });
      await ok(two, EXIT, { g: left.jid }, { token: me.token });
      const SUMMARY = `group { jid name participantCount myRole participants { user { jid } role } }`;
      const expected = [
        { jid: mine.jid, name: "Mine", participantCount: 2, myRole: "ADMIN", participants: [{ user: { jid: me.jid }, role: "ADMIN" }, { user: { jid: b.jid }, role: "MEMBER" }] },
        {
          jid: theirs.jid,
          name: "Theirs",
          participantCount: 4,
          myRole: "MEMBER",
          participants: expect.arrayContaining([{ user: { jid: b.jid }, role: "ADMIN" }, ...[me, c, d].map((u) => ({ user: { jid: u.jid }, role: "MEMBER" }))]),
        },
        { jid: third.jid, name: "Third", participantCount: 2, myRole: "MEMBER", participants: [{ user: { jid: c.jid }, role: "ADMIN" }, { user: { jid: me.jid }, role: "MEMBER" }] },
      ];
      const byJid = <T extends { jid: string }>(list: T[]) => [...list].sort((x, y) => x.jid.localeCompare(y.jid));
      const { groups } = await ok(two, `{ groups { ${SUMMARY.slice("group { ".length, -2)} } }`, {}, { token: me.token });
      expect(byJid(groups)).toEqual(byJid(expected));
      const { recentChats } = await ok(two, `{ recentChats { jid chatType ${SUMMARY} } }`, {}, { token: me.token });
      const groupChats = recentChats.filter((r: { chatType: string }) => r.chatType === "GROUPCHAT");
      // The group left stays in recent chats (its history is the viewer's), without a group to show.
      expect(byJid(groupChats)).toEqual(byJid([...expected.map((g) => ({ jid: g.jid, chatType: "GROUPCHAT", group: g })), { jid: left.jid, chatType: "GROUPCHAT", group: null }]));
    });

    it("createGroup makes the creator the first admin, with the name, image and participants", async () => {
      const [admin, b, c] = await users(3);
      const group = await createGroup(one, admin, [b, c, admin, b], { name: "  Hikers  ", imageUrl: "https://img.example/hike.png" });
      expect(group).toEqual({
        jid: expect.stringMatching(/^[A-Za-z0-9_-]+@mix\.localhost$/),
        groupId: expect.any(String),
        name: "Hikers",
        image: "https://img.example/hike.png",
        createdBy: { jid: admin.jid },
        participants: [
          { user: { jid: admin.jid }, role: "ADMIN" },
          { user: { jid: expect.any(String) }, role: "MEMBER" },
          { user: { jid: expect.any(String) }, role: "MEMBER" },
        ],
        participantCount: 3,
        myRole: "ADMIN",
      });
      // The invited join together, after the creator; repeated jids count once.
      expect(group.participants.slice(1).map((p: { user: { jid: string } }) => p.user.jid).sort()).toEqual([b.jid, c.jid].sort());
      expect((await ok(one, `query($id: ID!) { groupJid(groupId: $id) }`, { id: group.groupId })).groupJid).toBe(group.jid);
      // Members see it through the other process, with their own role.
      const seen = (await ok(two, GROUP, { jid: group.jid }, { token: b.token })).group;
      expect(seen).toEqual({ ...group, myRole: "MEMBER" });
      expect(await groupsOf(two, c)).toEqual([group.jid]);
    });

    it("setGroupProfile with nothing to change (no name, an empty file token) answers the group as it is (found by the fuzz: an internal error)", async () => {
      const [admin, member] = await users(2);
      const group = await createGroup(one, admin, [member], { name: "Same", imageUrl: "https://img.example/a.png" });
      expect((await ok(one, SET_PROFILE, { g: group.jid }, { token: admin.token })).setGroupProfile).toEqual({ name: "Same", image: "https://img.example/a.png" });
      expect((await ok(one, SET_PROFILE, { g: group.jid, imageFileToken: "" }, { token: admin.token })).setGroupProfile).toEqual({ name: "Same", image: "https://img.example/a.png" });
    });

    it("setGroupProfile renames and changes the image, for every participant", async () => {
      const [admin, member] = await users(2);
      const group = await createGroup(one, admin, [member], { imageUrl: "https://img.example/a.png" });
      expect((await ok(one, SET_PROFILE, { g: group.jid, name: "Renamed" }, { token: admin.token })).setGroupProfile).toEqual({ name: "Renamed", image: "https://img.example/a.png" });
      expect((await ok(one, SET_PROFILE, { g: group.jid, imageUrl: "http://img.example/b.png" }, { token: admin.token })).setGroupProfile).toEqual({ name: "Renamed", image: "http://img.example/b.png" });
      expect((await ok(two, GROUP, { jid: group.jid }, { token: member.token })).group).toMatchObject({ name: "Renamed", image: "http://img.example/b.png" });
      expect((await ok(one, SET_PROFILE, { g: group.jid, imageUrl: null }, { token: admin.token })).setGroupProfile).toEqual({ name: "Renamed", image: null });
      expect((await ok(two, GROUP, { jid: group.jid }, { token: member.token })).group.image).toBeNull();
    });

    it("addParticipants adds users once; the new participant sees the group as a member", async () => {
      const [admin, b, c, d] = await users(4);
      const group = await createGroup(one, admin, [b]);
      const { addParticipants } = await ok(one, ADD, { g: group.jid, jids: [c.jid, d.jid, b.jid, c.jid] }, { token: admin.token });
      expect(addParticipants.participantCount).toBe(4);
      expect(addParticipants.participants.map((p: { user: { jid: string } }) => p.user.jid).sort()).toEqual([admin.jid, b.jid, c.jid, d.jid].sort());
      expect((await ok(two, GROUP, { jid: group.jid }, { token: d.token })).group.myRole).toBe("MEMBER");
      expect(await groupsOf(two, d)).toEqual([group.jid]);
    });

    it("makeAsAdmin promotes a member, who may then act as an admin", async () => {
      const [admin, b, c] = await users(3);
      const group = await createGroup(one, admin, [b]);
      expect(onlyError(await gqlAs(two, b, ADD, { g: group.jid, jids: [c.jid] })).extensions).toMatchObject({ code: "FORBIDDEN" });
      const { makeAsAdmin } = await ok(one, PROMOTE, { g: group.jid, u: b.jid }, { token: admin.token });
      expect(makeAsAdmin.participants).toEqual([
        { user: { jid: admin.jid }, role: "ADMIN" },
        { user: { jid: b.jid }, role: "ADMIN" },
      ]);
      await ok(two, ADD, { g: group.jid, jids: [c.jid] }, { token: b.token });
      expect(await participantsOf(one, admin, group)).toContainEqual([c.jid, "MEMBER"]);
    });

    it("removeParticipant takes a member out; an admin may remove another admin", async () => {
      const [admin, other, member] = await users(3);
      const group = await createGroup(one, admin, [other, member]);
      await ok(one, PROMOTE, { g: group.jid, u: other.jid }, { token: admin.token });
      const { removeParticipant } = await ok(one, REMOVE, { g: group.jid, u: member.jid }, { token: admin.token });
      expect(removeParticipant.participants.map((p: { user: { jid: string } }) => p.user.jid)).toEqual([admin.jid, other.jid]);
      expect(await groupsOf(two, member)).toEqual([]);
      expect(onlyError(await gqlAs(two, member, GROUP, { jid: group.jid })).extensions).toMatchObject({ code: "NOT_FOUND", statusCode: 404 });
      await ok(two, REMOVE, { g: group.jid, u: admin.jid }, { token: other.token });
      expect(await participantsOf(two, other, group)).toEqual([[other.jid, "ADMIN"]]);
    });

    it("removing a non-participant or oneself is BAD_USER_INPUT naming userJid", async () => {
      const [admin, member, stranger] = await users(3);
      const group = await createGroup(one, admin, [member]);
      const notIn = onlyError(await gqlAs(one, admin, REMOVE, { g: group.jid, u: stranger.jid }));
      expect(notIn).toMatchObject({ message: `userJid: ${stranger.jid} is not a participant of this group`, extensions: { code: "BAD_USER_INPUT", field: "userJid" } });
      const self = onlyError(await gqlAs(one, admin, REMOVE, { g: group.jid, u: admin.jid }));
      expect(self.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "userJid" });
      expect(self.message).toMatch(/userExitGroup/);
      const promoteStranger = onlyError(await gqlAs(one, admin, PROMOTE, { g: group.jid, u: stranger.jid }));
      expect(promoteStranger.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "userJid" });
    });

    it("userExitGroup takes a member out of the group", async () => {
      const [admin, member, stays] = await users(3);
      const group = await createGroup(one, admin, [member, stays]);
      expect(await ok(two, EXIT, { g: group.jid }, { token: member.token })).toEqual({ userExitGroup: true });
      expect(await participantsOf(two, stays, group)).toEqual([
        [admin.jid, "ADMIN"],
        [stays.jid, "MEMBER"],
      ]);
      expect(onlyError(await gqlAs(two, member, EXIT, { g: group.jid })).extensions).toMatchObject({ code: "NOT_FOUND" });
    });

    it("when the last admin exits, the longest-standing participant becomes admin", async () => {
      const [admin, first, later] = await users(3);
      const group = await createGroup(one, admin, [first]);
      await ok(one, ADD, { g: group.jid, jids: [later.jid] }, { token: admin.token });
      await ok(one, EXIT, { g: group.jid }, { token: admin.token });
      expect(await participantsOf(two, later, group)).toEqual([
        [first.jid, "ADMIN"],
        [later.jid, "MEMBER"],
      ]);
      // An admin exiting while another admin stays promotes nobody.
      await ok(two, PROMOTE, { g: group.jid, u: later.jid }, { token: first.token });
      const [newcomer] = await users(1);
      await ok(two, ADD, { g: group.jid, jids: [newcomer.jid] }, { token: first.token });
      await ok(two, EXIT, { g: group.jid }, { token: first.token });
      expect(await participantsOf(two, later, group)).toEqual([
        [later.jid, "ADMIN"],
        [newcomer.jid, "MEMBER"],
      ]);
    });

    it("the last participant leaving deletes the group", async () => {
      const [admin, member] = await users(2);
      const group = await createGroup(one, admin, [member]);
      await ok(two, EXIT, { g: group.jid }, { token: member.token });
      expect(await participantsOf(one, admin, group)).toEqual([[admin.jid, "ADMIN"]]);
      const note = await sendText(one, admin, group, "alone");
      await ok(one, EXIT, { g: group.jid }, { token: admin.token });
      expect(await groupsOf(one, admin)).toEqual([]);
      expect((await ok(one, HISTORY, { jid: group.jid }, { token: admin.token })).chatMessages.messages).toEqual([{ id: note.id, text: "alone" }]);
      for (const user of [admin, member]) {
        expect(onlyError(await gqlAs(two, user, GROUP, { jid: group.jid })).extensions).toMatchObject({ code: "NOT_FOUND" });
      }
      // Nobody can be brought back into a deleted group.
      expect(onlyError(await gqlAs(one, admin, ADD, { g: group.jid, jids: [member.jid] })).extensions).toMatchObject({ code: "NOT_FOUND" });
    });

    it("userDeleteGroup deletes the group for everyone, who keep its history as former participants", async () => {
      const [admin, member] = await users(2);
      const group = await createGroup(one, admin, [member]);
      const last = await sendText(two, member, group, "last words");
      expect(await ok(one, DELETE, { g: group.jid }, { token: admin.token })).toEqual({ userDeleteGroup: true });
      for (const [server, user] of [[one, admin], [two, member]] as const) {
        expect(await groupsOf(server, user)).toEqual([]);
        expect(onlyError(await gqlAs(server, user, GROUP, { jid: group.jid })).extensions).toMatchObject({ code: "NOT_FOUND" });
        expect((await ok(server, HISTORY, { jid: group.jid }, { token: user.token })).chatMessages.messages).toEqual([{ id: last.id, text: "last words" }]);
        const send = onlyError(await gqlAs(server, user, `mutation($to: ID!) { sendTextMessage(input: { toJid: $to, messageText: "hi" }) { id } }`, { to: group.jid }));
        expect(send.extensions).toMatchObject({ code: "FORBIDDEN" });
      }
    });

    it("a participant removed and added back sees what they were there for, not what came between", async () => {
      const [admin, back] = await users(2);
      const group = await createGroup(one, admin, [back]);
      const first = await sendText(one, admin, group, "first stay");
      await ok(one, REMOVE, { g: group.jid, u: back.jid }, { token: admin.token });
      await sendText(one, admin, group, "while away");
      await ok(one, ADD, { g: group.jid, jids: [back.jid] }, { token: admin.token });
      const second = await sendText(one, admin, group, "second stay");
      expect((await ok(two, HISTORY, { jid: group.jid }, { token: back.token })).chatMessages.messages).toEqual([
        { id: first.id, text: "first stay" },
        { id: second.id, text: "second stay" },
      ]);
      expect(await participantsOf(two, back, group)).toEqual([
        [admin.jid, "ADMIN"],
        [back.jid, "MEMBER"],
      ]);
    });

    it("admins exiting at the same time still leave the group an admin", async () => {
      const [a1, a2, m1, m2] = await users(4);
      const group = await createGroup(one, a1, [a2, m1, m2]);
      await ok(one, PROMOTE, { g: group.jid, u: a2.jid }, { token: a1.token });
      const results = await Promise.all([gqlAs(one, a1, EXIT, { g: group.jid }), gqlAs(two, a2, EXIT, { g: group.jid })]);
      expect(results.map((r) => r.data)).toEqual([{ userExitGroup: true }, { userExitGroup: true }]);
      const left = await participantsOf(two, m1, group);
      expect(left.map(([jid]) => jid).sort()).toEqual([m1.jid, m2.jid].sort());
      expect(left.filter(([, role]) => role === "ADMIN")).toHaveLength(1);
    });

    it("the last two participants leaving at the same time delete the group once", async () => {
      const [admin, member] = await users(2);
      const group = await createGroup(one, admin, [member]);
      const results = await Promise.all([gqlAs(one, admin, EXIT, { g: group.jid }), gqlAs(two, member, EXIT, { g: group.jid })]);
      expect(results.map((r) => r.data)).toEqual([{ userExitGroup: true }, { userExitGroup: true }]);
      expect([await groupsOf(one, admin), await groupsOf(two, member)]).toEqual([[], []]);
    });

    it("additions at the same time cannot take a group past MAX_GROUP_SIZE", async () => {
      const [admin, member, ...others] = await users(8);
      const group = await createGroup(one, admin, [member]);
      await ok(one, PROMOTE, { g: group.jid, u: member.jid }, { token: admin.token });
      // Each addition fits on its own (2 + 3 = 5); together they would make 8.
      const results = await Promise.all([
        gqlAs(one, admin, ADD, { g: group.jid, jids: others.slice(0, 3).map((u) => u.jid) }),
        gqlAs(two, member, ADD, { g: group.jid, jids: others.slice(3).map((u) => u.jid) }),
      ]);
      expect(results.filter((r) => r.errors === undefined)).toHaveLength(1);
      expect(results.flatMap((r) => r.errors ?? []).map((e) => e.extensions?.code)).toEqual(["BAD_USER_INPUT"]);
      expect(await participantsOf(one, admin, group)).toHaveLength(5);
    });

    it("groups lists the viewer's current groups, newest first", async () => {
      const [me, other] = await users(2);
      const first = await createGroup(one, other, [me]);
      const second = await createGroup(two, me, []);
      const left = await createGroup(one, other, [me]);
      await ok(two, EXIT, { g: left.jid }, { token: me.token });
      expect(await groupsOf(two, me)).toEqual([second.jid, first.jid]);
    });
  });

  describe("validation", () => {
    it.each([
      ["an empty name", ""],
      ["a blank name", "   "],
      ["a name of 101 characters", "n".repeat(101)],
    ])("refuses %s, naming the field, and creates nothing", async (_, name) => {
      const [admin] = await users(1);
      const error = onlyError(await gqlAs(one, admin, CREATE, { name, jids: [] }));
      expect(error).toMatchObject({ message: "name: must be 1 to 100 characters", extensions: { code: "BAD_USER_INPUT", statusCode: 400, field: "name" } });
      expect(await groupsOf(one, admin)).toEqual([]);
    });

    it("takes a name of exactly 100 characters, counting characters rather than UTF-16 units", async () => {
      const [admin] = await users(1);
      expect((await createGroup(one, admin, [], { name: "😀".repeat(100) })).name).toBe("😀".repeat(100));
    });

    it("setGroupProfile refuses a bad name or image and changes nothing", async () => {
      const [admin] = await users(1);
      const group = await createGroup(one, admin, [], { name: "Before" });
      for (const [variables, field] of [
        [{ name: "" }, "name"],
        [{ name: "x".repeat(101) }, "name"],
        [{ imageUrl: "ftp://img.example/a.png" }, "imageUrl"],
        [{ imageUrl: "https://img.example/a.png", imageFileToken: "t" }, "imageFileToken"],
      ] as const) {
        const error = onlyError(await gqlAs(one, admin, SET_PROFILE, { g: group.jid, ...variables }));
        expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
      }
      expect((await ok(one, GROUP, { jid: group.jid }, { token: admin.token })).group).toMatchObject({ name: "Before", image: null });
    });

    it("an unknown initial participant is BAD_USER_INPUT naming them, and creates nothing", async () => {
      const [admin, known] = await users(2);
      const unknown = `nobody${randomUUID().slice(0, 8)}@localhost`;
      const error = onlyError(await gqlAs(one, admin, CREATE, { name: "G", jids: [known.jid, unknown, "not a jid"] }));
      expect(error).toMatchObject({ message: `participantJids: no such users: ${unknown}, not a jid`, extensions: { code: "BAD_USER_INPUT", field: "participantJids" } });
      expect(await groupsOf(one, admin)).toEqual([]);
      expect(await groupsOf(two, known)).toEqual([]);
    });

    it("addParticipants with an unknown user is BAD_USER_INPUT naming them, and adds nobody", async () => {
      const [admin, known] = await users(2);
      const group = await createGroup(one, admin, []);
      const unknown = `nobody${randomUUID().slice(0, 8)}@localhost`;
      const error = onlyError(await gqlAs(one, admin, ADD, { g: group.jid, jids: [known.jid, unknown] }));
      expect(error).toMatchObject({ message: `participantJids: no such users: ${unknown}`, extensions: { code: "BAD_USER_INPUT" } });
      expect(await participantsOf(one, admin, group)).toEqual([[admin.jid, "ADMIN"]]);
    });

    it("a group has at most MAX_GROUP_SIZE participants, the creator included", async () => {
      const [admin, ...others] = await users(6);
      const tooMany = onlyError(await gqlAs(one, admin, CREATE, { name: "Big", jids: others.map((u) => u.jid) }));
      expect(tooMany.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "participantJids" });
      expect(tooMany.message).toMatch(/at most 5 participants/);
      const group = await createGroup(one, admin, others.slice(0, 3));
      const overflow = onlyError(await gqlAs(one, admin, ADD, { g: group.jid, jids: others.slice(3).map((u) => u.jid) }));
      expect(overflow.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "participantJids" });
      expect((await ok(one, ADD, { g: group.jid, jids: [others[3].jid] }, { token: admin.token })).addParticipants.participantCount).toBe(5);
    });

    it("a jid that is no group jid is BAD_USER_INPUT naming the argument", async () => {
      const [admin, member] = await users(2);
      for (const [query, variables, field] of [
        [GROUP, { jid: member.jid }, "jid"],
        [ADD, { g: "nope", jids: [member.jid] }, "groupJid"],
        [EXIT, { g: `x@mix.elsewhere.org` }, "groupJid"],
      ] as const) {
        expect(onlyError(await gqlAs(one, admin, query, variables)).extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
      }
    });
  });

  describe("who may do what", () => {
    it.each([
      ["rename", SET_PROFILE, (g: string) => ({ g, name: "Mine now" })],
      ["change the image", SET_PROFILE, (g: string) => ({ g, imageUrl: "https://img.example/x.png" })],
      ["add a participant", ADD, (g: string, u: TestUser) => ({ g, jids: [u.jid] })],
      ["remove a participant", REMOVE, (g: string, _u: TestUser, admin: TestUser) => ({ g, u: admin.jid })],
      ["promote a participant", PROMOTE, (g: string, _u: TestUser, _a: TestUser, self: TestUser) => ({ g, u: self.jid })],
      ["delete the group", DELETE, (g: string) => ({ g })],
    ])("a member who tries to %s gets FORBIDDEN, and nothing changes", async (_, query, variables) => {
      const [admin, member, outsider] = await users(3);
      const group = await createGroup(one, admin, [member], { name: "Kept" });
      const error = onlyError(await gqlAs(two, member, query, variables(group.jid, outsider, admin, member)));
      expect(error.extensions).toMatchObject({ code: "FORBIDDEN", statusCode: 403 });
      expect((await ok(one, GROUP, { jid: group.jid }, { token: admin.token })).group).toMatchObject({
        name: "Kept",
        image: null,
        participants: [
          { user: { jid: admin.jid }, role: "ADMIN" },
          { user: { jid: member.jid }, role: "MEMBER" },
        ],
      });
    });

    it.each([
      ["group", GROUP, (g: string) => ({ jid: g })],
      ["groupParticipants", `query($jid: ID!) { groupParticipants(jid: $jid) { role } }`, (g: string) => ({ jid: g })],
      ["chatMessages", HISTORY, (g: string) => ({ jid: g })],
      ["groupMessageInfo", `query($g: ID!, $m: ID!) { groupMessageInfo(groupJid: $g, messageId: $m) { participantCount } }`, (g: string, m: string) => ({ g, m })],
      ["sendTextMessage", `mutation($g: ID!) { sendTextMessage(input: { toJid: $g, messageText: "let me in" }) { id } }`, (g: string) => ({ g })],
      ["sendTypingStatus", `mutation($g: ID!) { sendTypingStatus(toJid: $g) }`, (g: string) => ({ g })],
      ["sendSeenStatus", `mutation($g: ID!, $m: ID!) { sendSeenStatus(toJid: $g, messageId: $m) }`, (g: string, m: string) => ({ g, m })],
      ["setGroupProfile", SET_PROFILE, (g: string) => ({ g, name: "x" })],
      ["addParticipants", ADD, (g: string) => ({ g, jids: [] })],
      ["userExitGroup", EXIT, (g: string) => ({ g })],
      ["userDeleteGroup", DELETE, (g: string) => ({ g })],
    ])("an outsider calling %s gets NOT_FOUND, exactly as for a group that does not exist", async (_, query, variables) => {
      const [admin, outsider] = await users(2);
      const group = await createGroup(one, admin, []);
      const message = await sendText(one, admin, group, "inside");
      const real = onlyError(await gqlAs(two, outsider, query, variables(group.jid, message.id)));
      const ghostJid = `${randomUUID().replace(/-/g, "")}@mix.localhost`;
      const ghost = onlyError(await gqlAs(two, outsider, query, variables(ghostJid, message.id)));
      expect(real.extensions).toMatchObject({ code: "NOT_FOUND", statusCode: 404 });
      expect({ ...real, message: real.message.replace(group.jid, "G") }).toEqual({ ...ghost, message: ghost.message.replace(ghostJid, "G") });
    });

    it("an outsider cannot read a group message by id", async () => {
      const [admin, outsider] = await users(2);
      const group = await createGroup(one, admin, []);
      const message = await sendText(one, admin, group, "secret");
      expect(onlyError(await gqlAs(two, outsider, `query($id: ID!) { message(id: $id) { id } }`, { id: message.id })).extensions).toMatchObject({ code: "NOT_FOUND" });
    });

    it("a removed participant keeps the history up to their removal and sees nothing after it", async () => {
      const [admin, gone] = await users(2);
      const group = await createGroup(one, admin, [gone]);
      const before = await sendText(one, admin, group, "before");
      const own = await sendText(two, gone, group, "mine");
      await ok(one, REMOVE, { g: group.jid, u: gone.jid }, { token: admin.token });
      const after = await sendText(one, admin, group, "after");
      const history = (await ok(two, HISTORY, { jid: group.jid }, { token: gone.token })).chatMessages.messages;
      expect(history).toEqual([
        { id: before.id, text: "before" },
        { id: own.id, text: "mine" },
      ]);
      expect(onlyError(await gqlAs(two, gone, `query($id: ID!) { message(id: $id) { id } }`, { id: after.id })).extensions).toMatchObject({ code: "NOT_FOUND" });
      expect((await ok(two, `query($id: ID!) { message(id: $id) { text } }`, { id: before.id }, { token: gone.token })).message.text).toBe("before");
      // Writing is over: sending and typing are refused.
      const send = onlyError(await gqlAs(two, gone, `mutation($g: ID!) { sendTextMessage(input: { toJid: $g, messageText: "still here?" }) { id } }`, { g: group.jid }));
      expect(send.extensions).toMatchObject({ code: "FORBIDDEN" });
      expect(onlyError(await gqlAs(two, gone, `mutation($g: ID!) { sendTypingStatus(toJid: $g) }`, { g: group.jid })).extensions).toMatchObject({ code: "FORBIDDEN" });
      // Nor does the group show as theirs.
      expect(onlyError(await gqlAs(two, gone, GROUP, { jid: group.jid })).extensions).toMatchObject({ code: "NOT_FOUND" });
    });

    it("a removed participant's subscription replays only what came before, and gets no later message", async () => {
      const [admin, gone, stays] = await users(3);
      const group = await createGroup(one, admin, [gone, stays]);
      const before = await sendText(one, admin, group, "before");
      await ok(one, REMOVE, { g: group.jid, u: gone.jid }, { token: admin.token });
      const ws = await WsClient.connect(two, gone.token);
      const sub = ws.subscribe(`subscription { messageReceived(afterRowId: "0") { id text } }`);
      const staysWs = await WsClient.connect(two, stays.token);
      const staysSub = staysWs.subscribe(`subscription { messageReceived(afterRowId: "0") { id text } }`);
      await sub.waitFor((d) => d.messageReceived.id === before.id);
      const after = await sendText(one, admin, group, "after");
      await staysSub.waitFor((d) => d.messageReceived.id === after.id);
      // A message to the removed user after that one arrives on their subscription; the group's does not.
      const marker = await sendText(one, admin, gone, "marker");
      await sub.waitFor((d) => d.messageReceived.id === marker.id);
      expect(sub.received.map((e) => e.data?.messageReceived.id)).toEqual([before.id, marker.id]);
      await Promise.all([ws.close(), staysWs.close()]);
    });

    it("a participant subscribed live at their removal gets no later message", async () => {
      const [admin, gone] = await users(2);
      const group = await createGroup(one, admin, [gone]);
      const ws = await WsClient.connect(two, gone.token);
      const sub = ws.subscribe(`subscription { messageReceived(afterRowId: "0") { id } }`);
      const first = await sendText(one, admin, group, "while in");
      await sub.waitFor((d) => d.messageReceived.id === first.id);
      await ok(one, REMOVE, { g: group.jid, u: gone.jid }, { token: admin.token });
      await sendText(one, admin, group, "after removal");
      const marker = await sendText(one, admin, gone, "marker");
      await sub.waitFor((d) => d.messageReceived.id === marker.id);
      expect(sub.received.map((e) => e.data?.messageReceived.id)).toEqual([first.id, marker.id]);
      await ws.close();
    });

    it("a participant added later sees only the messages sent since they joined", async () => {
      const [admin, late] = await users(2);
      const group = await createGroup(one, admin, []);
      await sendText(one, admin, group, "before you came");
      await ok(one, ADD, { g: group.jid, jids: [late.jid] }, { token: admin.token });
      const welcome = await sendText(one, admin, group, "welcome");
      expect((await ok(two, HISTORY, { jid: group.jid }, { token: late.token })).chatMessages.messages).toEqual([{ id: welcome.id, text: "welcome" }]);
    });
  });

  describe("groupUpdated", () => {
    /** Subscribes each user, on the given servers, and retries an action until every subscription heard of it. */
    async function subscribeAll(pairs: [TestServer, TestUser][]) {
      const sockets = await Promise.all(pairs.map(([server, user]) => WsClient.connect(server, user.token)));
      const subs = sockets.map((ws) => ws.subscribe<GroupEvent>(EVENTS));
      return { subs, close: () => Promise.all(sockets.map((ws) => ws.close())) };
    }
    const eventsOf = (sub: { received: { data?: GroupEvent | null }[] }, groupJid: string) =>
      sub.received.map((e) => e.data?.groupUpdated).filter((e) => e?.groupJid === groupJid);

    it("every change reaches every participant, and once the user removed or leaving", async () => {
      const [admin, b, c, d] = await users(4);
      const { subs, close } = await subscribeAll([
        [one, admin],
        [two, b],
        [two, c],
        [one, d],
      ]);
      const [aSub, bSub, cSub, dSub] = subs as [(typeof subs)[0], (typeof subs)[0], (typeof subs)[0], (typeof subs)[0]];
      // Group creation is retried until the subscriptions are live: nothing replays group events.
      let group!: TestGroup;
      await vi.waitFor(async () => {
        group = await createGroup(one, admin, [b, c], { name: "Events" });
        await Promise.all([aSub, bSub, cSub].map((s) => s.waitFor((e) => e.groupUpdated.groupJid === group.jid, 500)));
      });
      expect(eventsOf(bSub, group.jid)).toEqual([
        { type: "CREATED", groupJid: group.jid, actorJid: admin.jid, targetJids: expect.arrayContaining([b.jid, c.jid]), at: expect.any(String), group: { name: "Events", participantCount: 3, myRole: "MEMBER" } },
      ]);
      expect(eventsOf(aSub, group.jid)[0]?.group?.myRole).toBe("ADMIN");

      await ok(one, SET_PROFILE, { g: group.jid, name: "Renamed" }, { token: admin.token });
      await ok(one, ADD, { g: group.jid, jids: [d.jid] }, { token: admin.token });
      await ok(one, PROMOTE, { g: group.jid, u: b.jid }, { token: admin.token });
      await ok(two, REMOVE, { g: group.jid, u: c.jid }, { token: b.token });
      await ok(one, EXIT, { g: group.jid }, { token: d.token });
      await ok(one, SET_PROFILE, { g: group.jid, name: "Last" }, { token: admin.token });
      // Each event's group is read when it is delivered, so count events rather than look for the last name.
      for (const [sub, count] of [[aSub, 7], [bSub, 7], [cSub, 5], [dSub, 4]] as const) await sub.waitFor(() => eventsOf(sub, group.jid).length >= count);

      const summary = (sub: typeof aSub) => eventsOf(sub, group.jid).map((e) => [e!.type, e!.actorJid, e!.targetJids]);
      const all = [
        ["CREATED", admin.jid, expect.any(Array)],
        ["PROFILE_UPDATED", admin.jid, []],
        ["PARTICIPANT_ADDED", admin.jid, [d.jid]],
        ["ADMIN_GRANTED", admin.jid, [b.jid]],
        ["PARTICIPANT_REMOVED", b.jid, [c.jid]],
        ["PARTICIPANT_LEFT", d.jid, [d.jid]],
        ["PROFILE_UPDATED", admin.jid, []],
      ];
      expect(summary(aSub)).toEqual(all);
      expect(summary(bSub)).toEqual(all);
      // The removed participant heard of everything up to their removal, that once, and nothing after.
      expect(summary(cSub)).toEqual(all.slice(0, 5));
      expect(eventsOf(cSub, group.jid)[4]?.group).toBeNull();
      // The one who joined and left heard from their joining to their leaving.
      expect(summary(dSub)).toEqual(all.slice(2, 6));
      expect(eventsOf(dSub, group.jid).at(-1)?.group).toBeNull();
      expect(eventsOf(bSub, group.jid).at(-1)?.group).toEqual({ name: "Last", participantCount: 2, myRole: "ADMIN" });
      await close();
    });

    it("deleting the group tells every participant, and the group is null for all", async () => {
      const [admin, member] = await users(2);
      const group = await createGroup(one, admin, [member]);
      const { subs, close } = await subscribeAll([
        [one, admin],
        [two, member],
      ]);
      let n = 0;
      await vi.waitFor(async () => {
        n += 1;
        await ok(one, SET_PROFILE, { g: group.jid, name: `probe ${n}` }, { token: admin.token });
        await Promise.all(subs.map((s) => s.waitFor((e) => e.groupUpdated.group?.name === `probe ${n}`, 500)));
      });
      await ok(one, DELETE, { g: group.jid }, { token: admin.token });
      for (const sub of subs) {
        const deleted = await sub.waitFor((e) => e.groupUpdated.type === "DELETED");
        expect(deleted.groupUpdated).toMatchObject({ groupJid: group.jid, actorJid: admin.jid, group: null });
      }
      await close();
    });

    it("a change to a group reaches none but its participants", async () => {
      const [admin, outsider] = await users(2);
      const { subs, close } = await subscribeAll([[two, outsider]]);
      const group = await createGroup(one, admin, []);
      await ok(one, SET_PROFILE, { g: group.jid, name: "Private" }, { token: admin.token });
      // A change to the outsider's own group, made after those, is the first thing they hear.
      let own!: TestGroup;
      await vi.waitFor(async () => {
        own = await createGroup(two, outsider, []);
        await subs[0]!.waitFor((e) => e.groupUpdated.groupJid === own.jid, 500);
      });
      await ok(one, SET_PROFILE, { g: group.jid, name: "Still private" }, { token: admin.token });
      await ok(two, SET_PROFILE, { g: own.jid, name: "Mine" }, { token: outsider.token });
      await subs[0]!.waitFor((e) => e.groupUpdated.group?.name === "Mine");
      expect(subs[0]!.received.every((e) => e.data?.groupUpdated.groupJid !== group.jid)).toBe(true);
      await close();
    });

    // The subscribers of one event share one read of the group; each still sees it as their own.
    it("each subscriber of one event sees the group as they should: their role, their own private fields and nobody else's", async () => {
      const [admin, b, c] = await users(3);
      for (const [user, email] of [[admin, "admin@example.com"], [b, "b@example.com"], [c, "c@example.com"]] as const) {
        await ok(one, `mutation($e: String!) { setUserProfile(input: { email: $e }) { email } }`, { e: email }, { token: user.token });
      }
      const group = await createGroup(one, admin, [b, c]);
      const DETAIL = `subscription { groupUpdated { groupJid group { myRole participants { user { jid email } role } } } }`;
      type Detail = { groupUpdated: { groupJid: string; group: { myRole: string; participants: { user: { jid: string; email: string | null }; role: string }[] } | null } };
      const sockets = await Promise.all([WsClient.connect(one, admin.token), WsClient.connect(one, b.token), WsClient.connect(two, c.token)]);
      const subs = sockets.map((ws) => ws.subscribe<Detail>(DETAIL));
      let name = 0;
      await vi.waitFor(async () => {
        await ok(one, SET_PROFILE, { g: group.jid, name: `Shared ${++name}` }, { token: admin.token });
        await Promise.all(subs.map((sub) => sub.waitFor((e) => e.groupUpdated.groupJid === group.jid, 500)));
      });
      const last = (sub: (typeof subs)[0]) => sub.received.map((e) => e.data?.groupUpdated.group).filter((g) => g).at(-1)!;
      const byJid = (g: ReturnType<typeof last>) => Object.fromEntries(g.participants.map((p) => [p.user.jid, p.user.email]));
      const [forAdmin, forB, forC] = subs.map(last);
      expect([forAdmin!.myRole, forB!.myRole, forC!.myRole]).toEqual(["ADMIN", "MEMBER", "MEMBER"]);
      expect(byJid(forAdmin!)).toEqual({ [admin.jid]: "admin@example.com", [b.jid]: null, [c.jid]: null });
      expect(byJid(forB!)).toEqual({ [admin.jid]: null, [b.jid]: "b@example.com", [c.jid]: null });
      expect(byJid(forC!)).toEqual({ [admin.jid]: null, [b.jid]: null, [c.jid]: "c@example.com" });
      await Promise.all(sockets.map((ws) => ws.close()));
    });
  });

  describe("userProfileUpdated", () => {
    const PROFILE = `subscription { userProfileUpdated { jid nickname } }`;
    const SET = `mutation($n: String!) { setUserProfile(input: { nickname: $n }) { nickname } }`;

    it("reaches those who share a group, and stops when they no longer do", async () => {
      const [admin, member, changer] = await users(3);
      const group = await createGroup(one, admin, [member, changer]);
      const ws = await WsClient.connect(two, member.token);
      const sub = ws.subscribe(PROFILE);
      let n = 0;
      await vi.waitFor(async () => {
        n += 1;
        await ok(one, SET, { n: `Shared${n}` }, { token: changer.token });
        await sub.waitFor((d) => d.userProfileUpdated.jid === changer.jid && d.userProfileUpdated.nickname === `Shared${n}`, 500);
      });
      // Once the changer leaves, the group no longer makes them contacts.
      await ok(one, EXIT, { g: group.jid }, { token: changer.token });
      await ok(one, SET, { n: "Gone" }, { token: changer.token });
      await ok(one, SET, { n: "Admin marker" }, { token: admin.token });
      await sub.waitFor((d) => d.userProfileUpdated.nickname === "Admin marker");
      expect(sub.received.map((e) => e.data?.userProfileUpdated.nickname)).not.toContain("Gone");
      await ws.close();
    });

    it("profiles lists the participants of the viewer's groups as contacts", async () => {
      const [admin, member] = await users(2);
      await createGroup(one, admin, [member]);
      expect((await ok(two, `{ profiles { jid } }`, {}, { token: member.token })).profiles).toEqual([{ jid: admin.jid }]);
    });
  });
});
