// JIDs: <username>@<domain> for users, <groupId>@mix.<domain> for groups.

export const USERNAME_PATTERN = /^[A-Za-z0-9]{1,64}$/;
const GROUP_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export class Jids {
  private readonly groupDomain: string;

  constructor(readonly domain: string) {
    this.groupDomain = `mix.${domain}`;
  }

  /** The canonical username for an app's user identifier (usernames are case-insensitive). */
  static username(identifier: string): string {
    return identifier.toLowerCase();
  }

  user(username: string): string {
    return `${Jids.username(username)}@${this.domain}`;
  }

  group(groupId: string): string {
    return `${groupId}@${this.groupDomain}`;
  }

  /** The username of a user jid of this server, or null when it is not one. */
  parseUser(jid: string): string | null {
    const [local, domain, ...rest] = jid.split("@");
    if (rest.length > 0 || domain?.toLowerCase() !== this.domain || !local || !USERNAME_PATTERN.test(local)) return null;
    return Jids.username(local);
  }

  /** The group id of a group jid of this server, or null when it is not one. */
  parseGroup(jid: string): string | null {
    const [local, domain, ...rest] = jid.split("@");
    if (rest.length > 0 || domain?.toLowerCase() !== this.groupDomain || !local || !GROUP_ID_PATTERN.test(local)) return null;
    return local;
  }

  static isValidGroupId(groupId: string): boolean {
    return GROUP_ID_PATTERN.test(groupId);
  }
}
