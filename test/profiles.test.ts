// Profiles through the client's door: reading, patching, validation, privacy, presence, and
// userProfileUpdated across server processes.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { gql, ok, onlyError, WsClient } from "./support/clients.js";
import { registerUser, type TestUser } from "./support/fixtures.js";
import { onPostgresAndRedis, startServer, type TestServer } from "./support/server.js";

const FIELDS = `jid username nickname image status mobileNumber email gender birthday location language allowType
  messageSettings adminForbidType level role customFields { key value } isOnline lastSeenAt updatedAt`;
const SET = `mutation($input: ProfileInput!) { setUserProfile(input: $input) { ${FIELDS} } }`;
const MINE = `{ myProfile { ${FIELDS} } }`;
const OF = `query($jids: [ID!]!) { userProfiles(jids: $jids) { ${FIELDS} } }`;

describe("profiles", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ PROFILE_CUSTOM_FIELDS: "team,title" });
  });

  const set = (user: TestUser, input: Record<string, unknown>) => gql(server, SET, { input }, { token: user.token });

  it("a new user has an empty profile with defaults", async () => {
    const user = await registerUser(server);
    const { myProfile } = await ok(server, MINE, {}, { token: user.token });
    expect(myProfile).toEqual({
      jid: user.jid,
      username: user.username,
      nickname: null,
      image: null,
      status: null,
      mobileNumber: null,
      email: null,
      gender: "UNKNOWN",
      birthday: null,
      location: null,
      language: null,
      allowType: "ALLOW_ANY",
      messageSettings: null,
      adminForbidType: "NONE",
      level: null,
      role: null,
      customFields: [],
      isOnline: false,
      lastSeenAt: null,
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it("setUserProfile sets every field and returns the profile", async () => {
    const user = await registerUser(server);
    const input = {
      nickname: "Alice",
      imageUrl: "https://example.com/a.png",
      status: "Busy",
      mobileNumber: "+4915112345678",
      email: "alice@example.com",
      gender: "FEMALE",
      birthday: 20000229,
      location: "Berlin",
      language: 2,
      allowType: "DENY_ANY",
      messageSettings: 3,
      adminForbidType: "SEND_OUT",
      level: 4,
      role: 5,
      customFields: [{ key: "team", value: "core" }],
    };
    const { data } = await set(user, input);
    const { imageUrl, customFields, ...plain } = input;
    expect(data?.setUserProfile).toMatchObject({ ...plain, image: imageUrl, customFields });
    const { myProfile } = await ok(server, MINE, {}, { token: user.token });
    expect(myProfile).toEqual(data?.setUserProfile);
  });

  it("is a patch: omitted fields keep their value, explicit null clears", async () => {
    const user = await registerUser(server);
    await ok(server, SET, { input: { nickname: "Bob", status: "Hi", gender: "MALE", customFields: [{ key: "team", value: "a" }] } }, { token: user.token });
    await ok(server, SET, { input: { status: null, gender: null, customFields: [{ key: "title", value: "b" }] } }, { token: user.token });
    const { myProfile } = await ok(server, MINE, {}, { token: user.token });
    expect(myProfile).toMatchObject({
      nickname: "Bob",
      status: null,
      gender: "UNKNOWN",
      customFields: [
        { key: "team", value: "a" },
        { key: "title", value: "b" },
      ],
    });
    await ok(server, SET, { input: { customFields: null } }, { token: user.token });
    expect((await ok(server, MINE, {}, { token: user.token })).myProfile.customFields).toEqual([]);
  });

  it("deleteUserProfilePicture removes the image and keeps the rest", async () => {
    const user = await registerUser(server);
    await ok(server, SET, { input: { nickname: "Cy", imageUrl: "http://img.example/c.jpg" } }, { token: user.token });
    const { deleteUserProfilePicture } = await ok(server, `mutation { deleteUserProfilePicture { nickname image } }`, {}, { token: user.token });
    expect(deleteUserProfilePicture).toEqual({ nickname: "Cy", image: null });
  });

  describe("validation", () => {
    it.each([
      ["email", { email: "not-an-email" }, "input.email", /email address/],
      ["mobile number with letters", { mobileNumber: "12ab34" }, "input.mobileNumber", /digits/],
      ["mobile number with + inside", { mobileNumber: "12+34" }, "input.mobileNumber", /digits/],
      ["birthday that is no date", { birthday: 20010229 }, "input.birthday", /real date/],
      ["birthday month 13", { birthday: 20001301 }, "input.birthday", /real date/],
      ["birthday not yyyymmdd", { birthday: 2000 }, "input.birthday", /real date/],
      ["nickname of 65 chars", { nickname: "n".repeat(65) }, "input.nickname", /at most 64/],
      ["status of 257 chars", { status: "s".repeat(257) }, "input.status", /at most 256/],
      ["imageUrl that is not http(s)", { imageUrl: "ftp://example.com/a.png" }, "input.imageUrl", /http\(s\) URL/],
      ["custom field key not configured", { customFields: [{ key: "age", value: "3" }] }, "input.customFields[0].key", /not a custom field.*team, title/],
      ["custom field value of 513 chars", { customFields: [{ key: "team", value: "v".repeat(513) }] }, "input.customFields[0].value", /at most 512/],
      ["both imageUrl and imageFileToken", { imageUrl: "https://e.x/a.png", imageFileToken: "t" }, "input.imageFileToken", /not both/],
      ["an unknown imageFileToken", { imageFileToken: "no-such-token" }, "input.imageFileToken", /unknown file token/],
    ])("refuses %s, naming the field, and changes nothing", async (_, input, field, why) => {
      const user = await registerUser(server);
      await ok(server, SET, { input: { nickname: "Before" } }, { token: user.token });
      const error = onlyError(await set(user, { nickname: "After", ...input }));
      expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", statusCode: 400, field });
      expect(error.message).toMatch(new RegExp(`^${field.replace(/[[\]]/g, "\\$&")}: `));
      expect(error.message).toMatch(why);
      expect((await ok(server, MINE, {}, { token: user.token })).myProfile.nickname).toBe("Before");
    });

    it("accepts the edges: 64-char nickname, 256-char status, 512-char value, + mobile, leap day", async () => {
      const user = await registerUser(server);
      const { data, errors } = await set(user, {
        nickname: "n".repeat(64),
        status: "s".repeat(256),
        mobileNumber: "+123",
        birthday: 20240229,
        customFields: [{ key: "title", value: "v".repeat(512) }],
      });
      expect(errors).toBeUndefined();
      expect(data?.setUserProfile.birthday).toBe(20240229);
    });
  });

  describe("userProfiles", () => {
    it("returns the profiles of the given jids in order and leaves unknown jids out", async () => {
      const [a, b, viewer] = await Promise.all([registerUser(server), registerUser(server), registerUser(server)]);
      const { userProfiles } = await ok(
        server,
        `query($jids: [ID!]!) { userProfiles(jids: $jids) { jid } }`,
        { jids: [b.jid, "nobody123@localhost", a.jid, `${a.username}@elsewhere.org`, "not a jid"] },
        { token: viewer.token },
      );
      expect(userProfiles).toEqual([{ jid: b.jid }, { jid: a.jid }]);
    });

    it("email and mobile number are seen by the owner only", async () => {
      const [owner, other] = await Promise.all([registerUser(server), registerUser(server)]);
      await ok(server, SET, { input: { email: "o@example.com", mobileNumber: "+100200", nickname: "Owner" } }, { token: owner.token });
      const seenByOther = (await ok(server, OF, { jids: [owner.jid] }, { token: other.token })).userProfiles[0];
      expect(seenByOther).toMatchObject({ nickname: "Owner", email: null, mobileNumber: null });
      const seenByOwner = (await ok(server, OF, { jids: [owner.jid] }, { token: owner.token })).userProfiles[0];
      expect(seenByOwner).toMatchObject({ email: "o@example.com", mobileNumber: "+100200" });
    });

    it("takes at most 100 jids", async () => {
      const user = await registerUser(server);
      const jids = Array.from({ length: 101 }, (_, i) => `user${i}@localhost`);
      const error = onlyError(await gql(server, OF, { jids }, { token: user.token }));
      expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", statusCode: 400, field: "jids" });
      expect(error.message).toBe("jids: at most 100 jids per request, got 101");
      await ok(server, OF, { jids: jids.slice(0, 100) }, { token: user.token });
    });
  });

  describe("contacts", () => {
    it("profiles lists nobody for a user who shares no chat", async () => {
      const user = await registerUser(server);
      expect(await ok(server, `{ byName: profiles { jid } recent: profiles(sort: RECENT, limit: 5) { jid } }`, {}, { token: user.token })).toEqual({
        byName: [],
        recent: [],
      });
    });

    it("refuses a limit out of range", async () => {
      const user = await registerUser(server);
      const error = onlyError(await gql(server, `{ profiles(limit: 0) { jid } }`, {}, { token: user.token }));
      expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "limit" });
    });
  });

  it("every profile operation needs a token", async () => {
    for (const query of [MINE, `{ userProfiles(jids: []) { jid } }`, `{ profiles { jid } }`, `mutation { deleteUserProfilePicture { jid } }`]) {
      expect(onlyError(await gql(server, query)).extensions).toMatchObject({ code: "UNAUTHENTICATED", statusCode: 401 });
    }
  });
});

describe("presence", () => {
  it("a user is online while a socket of theirs is open, and lastSeenAt is set when the last one closes", async () => {
    const server = await startServer();
    const [user, viewer] = await Promise.all([registerUser(server), registerUser(server)]);
    const presence = async () =>
      (await ok(server, `query($j: [ID!]!) { userProfiles(jids: $j) { isOnline lastSeenAt } }`, { j: [user.jid] }, { token: viewer.token }))
        .userProfiles[0];
    expect(await presence()).toEqual({ isOnline: false, lastSeenAt: null });
    const first = await WsClient.connect(server, user.token);
    const second = await WsClient.connect(server, user.token);
    expect(await presence()).toEqual({ isOnline: true, lastSeenAt: null });
    await first.close();
    await vi.waitFor(async () => expect(await presence()).toEqual({ isOnline: true, lastSeenAt: null }));
    const before = Date.now();
    await second.close();
    // Presence (Redis or memory) and lastSeenAt (the database) are two stores: wait for both.
    await vi.waitFor(async () => {
      const now = await presence();
      expect(now?.isOnline).toBe(false);
      expect(now?.lastSeenAt).not.toBeNull();
      expect(new Date(now!.lastSeenAt).getTime()).toBeGreaterThanOrEqual(before - 1000);
    });
  });

  it("a socket whose subscriptions never received an event still ends the user's presence when it closes", async () => {
    const server = await startServer();
    const [user, viewer] = await Promise.all([registerUser(server), registerUser(server)]);
    const online = async () =>
      (await ok(server, `query($j: [ID!]!) { userProfiles(jids: $j) { isOnline } }`, { j: [user.jid] }, { token: viewer.token })).userProfiles[0]
        .isOnline;
    const ws = await WsClient.connect(server, user.token);
    ws.subscribe(`subscription { messageReceived { id } }`);
    ws.subscribe(`subscription { typingStatus { chatJid } }`);
    // The subscriptions are set up once an operation sent after them has its answer.
    expect((await ws.execute(`{ myProfile { jid } }`)).data).toEqual({ myProfile: { jid: user.jid } });
    expect(await online()).toBe(true);
    await ws.close();
    await vi.waitFor(async () => expect(await online()).toBe(false));
  });

  it.runIf(onPostgresAndRedis)("a socket on another server process counts as online", async () => {
    const [one, two] = await Promise.all([startServer(), startServer()]);
    const [user, viewer] = await Promise.all([registerUser(one), registerUser(one)]);
    const ws = await WsClient.connect(two, user.token);
    const online = async () =>
      (await ok(one, `query($j: [ID!]!) { userProfiles(jids: $j) { isOnline } }`, { j: [user.jid] }, { token: viewer.token })).userProfiles[0]
        .isOnline;
    expect(await online()).toBe(true);
    await ws.close();
    await vi.waitFor(async () => expect(await online()).toBe(false));
  });
});

describe("userProfileUpdated", () => {
  const SUBSCRIBE = `subscription { userProfileUpdated { jid nickname email isOnline } }`;

  it("delivers the owner's own change, with private fields, to their subscription", async () => {
    const server = await startServer();
    const user = await registerUser(server);
    const ws = await WsClient.connect(server, user.token);
    const sub = ws.subscribe(SUBSCRIBE);
    // The subscription is live once a first change made after it arrives; retry until then.
    await vi.waitFor(async () => {
      await ok(server, SET, { input: { nickname: "Live", email: "me@example.com" } }, { token: user.token });
      await sub.waitFor((d) => d.userProfileUpdated.nickname === "Live", 300);
    });
    expect(sub.received.at(-1)?.data?.userProfileUpdated).toEqual({ jid: user.jid, nickname: "Live", email: "me@example.com", isOnline: true });
    await ws.close();
  });

  it.runIf(onPostgresAndRedis)("reaches a subscriber connected to another server process", async () => {
    const [one, two] = await Promise.all([startServer(), startServer()]);
    const user = await registerUser(one);
    const ws = await WsClient.connect(two, user.token);
    const sub = ws.subscribe(SUBSCRIBE);
    let n = 0;
    await vi.waitFor(async () => {
      n += 1;
      await ok(one, SET, { input: { nickname: `Remote${n}` } }, { token: user.token });
      await sub.waitFor((d) => d.userProfileUpdated.nickname === `Remote${n}`, 300);
    });
    await ws.close();
  });

  it("does not reach users who share no chat with the owner", async () => {
    const server = await startServer();
    const [owner, stranger] = await Promise.all([registerUser(server), registerUser(server)]);
    const ws = await WsClient.connect(server, stranger.token);
    const sub = ws.subscribe(SUBSCRIBE);
    const own = await WsClient.connect(server, owner.token);
    const ownSub = own.subscribe(SUBSCRIBE);
    await vi.waitFor(async () => {
      await ok(server, SET, { input: { nickname: "Private" } }, { token: owner.token });
      await ownSub.waitFor((d) => d.userProfileUpdated.nickname === "Private", 300);
    });
    // Both subscriptions were made before the change that reached the owner's; the stranger's got nothing.
    await ok(server, SET, { input: { nickname: "Private2" } }, { token: stranger.token });
    await sub.waitFor((d) => d.userProfileUpdated.nickname === "Private2");
    expect(sub.received.map((e) => e.data?.userProfileUpdated.jid)).toEqual([stranger.jid]);
    await Promise.all([ws.close(), own.close()]);
  });
});
