// Contacts: the users who share a one-to-one chat or a group with someone. Profiles list them
// and send them profile changes (profiles' Contacts interface).
import type { MessageStore } from "../messages/store/message-store.js";
import type { ContactOrder, Contacts } from "../profiles/profile.service.js";

export class ContactService implements Contacts {
  constructor(
    private readonly store: MessageStore,
    /** With groupChat off in the plan, sharing a group makes nobody a contact. */
    private readonly groupChat: boolean,
  ) {}

  /** The user's contacts, by nickname then username (NAME) or latest conversation first (RECENT). */
  contactIds(userId: number, order: ContactOrder, limit: number): Promise<number[]> {
    return this.store.contactIds(userId, order, limit, this.groupChat);
  }

  /** Everyone who sees the user's profile changes: whoever has them as a contact. */
  watcherIds(userId: number): Promise<number[]> {
    return this.store.watcherIds(userId, this.groupChat);
  }
}
