// The sync stream's doors: a page after a cursor (query), and replay then live (subscription).
import { Arg, Ctx, Int, Query, Resolver, Root, Subscription } from "type-graphql";
import type { Context as RequestContext } from "../graphql/context.js";
import { limitArgument, listOf } from "../graphql/cost.js";
import { MAX_SYNC_PAGE, type SyncItem, type SyncService } from "./sync.service.js";
import { SyncEntry, SyncPage, toSyncEntry } from "./sync.types.js";

type Context = RequestContext<{ sync: SyncService }>;

@Resolver()
export class SyncResolver {
  @Query(() => SyncPage, {
    description:
      "Everything the caller must learn of after a cursor, in order: messages, receipts of their messages, deletions for everyone, their own chat changes from any device, group events, contacts' profile changes. Page with the returned cursor while hasMore. Without after: no entries, and the cursor of now (take it when the client has just loaded its state). A cursor older than SYNC_RETENTION_DAYS fails with SYNC_CURSOR_EXPIRED: reload the state, then start again from sync(after: null).",
    // The page's entries are its list.
    complexity: listOf(limitArgument(MAX_SYNC_PAGE)),
  })
  async sync(
    @Arg("after", () => String, { nullable: true, description: "The cursor of the last entry handled (SyncEntry.cursor or SyncPage.cursor)." }) after: string | null,
    @Arg("limit", () => Int, { defaultValue: 100, nullable: true, description: "The most entries in the page, 1 to 500." }) limit: number | null,
    @Ctx() ctx: Context,
  ): Promise<SyncPage> {
    const page = await ctx.services.sync.page(await ctx.viewer(), after ?? null, limit ?? 100);
    return Object.assign(new SyncPage(), { entries: page.entries.map(toSyncEntry), cursor: page.cursor, hasMore: page.hasMore });
  }

  @Subscription(() => SyncEntry, {
    description:
      "The caller's sync stream live, on every device: with after, first every entry after that cursor (as sync pages it), then live, with no gap and no duplicate across the switch. Keep the cursor of the last entry handled and resubscribe with it after a disconnect. SYNC_CURSOR_EXPIRED as for sync. Typing is not in it (typingStatus).",
    subscribe: async ({ args, context }: { args: { after?: string | null }; context: Context }) => {
      const { sync } = context.services;
      const from = args.after == null ? null : await sync.checkedCursor(args.after);
      return sync.stream(await context.viewer(), from, context.delivery);
    },
  })
  syncStream(
    @Root() item: SyncItem,
    @Arg("after", () => String, { nullable: true, description: "The cursor of the last entry handled; without it, live from now." }) _after: string | null,
  ): SyncEntry {
    return toSyncEntry(item);
  }
}
