import { and, asc, eq, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import { newId } from "../../domain/model/ids";
import type { Database } from "../client";
import { encoded, prepared } from "../prepared-statements";
import type { BotCardRow } from "../rows";

export interface ClaimBotCard {
  conversationId: string;
  /** What causes the post: an incoming activity id, or a fixed key such as "welcome". */
  sourceKey: string;
  conversationRef: Record<string, unknown>;
}

export interface RegisterBotCard {
  conversationId: string;
  activityId: string;
  conversationRef: Record<string, unknown>;
  taskId: string;
}

export type BotCardPatch = Partial<
  Pick<
    BotCardRow,
    | "activityId"
    | "taskId"
    | "conversationRef"
    | "deliveredStatus"
    | "settled"
    | "attempts"
    | "nextAttemptAt"
    | "lastError"
  >
>;

/**
 * The messages the Teams bot posted and keeps current (see the bot_cards table). Claims are an
 * insert that does nothing on conflict, so two deliveries of one activity never both post.
 */
export function createBotCardsStore(database: Database) {
  const { db, schema } = database;
  const { botCards: cards } = schema;

  const byId = eq(cards.id, encoded(cards.id, "id"));

  async function get(id: string): Promise<BotCardRow | null> {
    const statement = prepared(database, "bot_card_get", (db) =>
      db.select().from(cards).where(byId).limit(1),
    );
    const [row] = await statement.execute({ id });
    return row ?? null;
  }

  return {
    get,

    /** Takes the right to post for `sourceKey` in a conversation; `created` false means someone has it. */
    async claim(input: ClaimBotCard, now = new Date()): Promise<{ card: BotCardRow; created: boolean }> {
      const values = { id: newId("botCard", now.getTime()), ...input, now };
      const insert = prepared(database, "bot_card_claim", (db) =>
        db
          .insert(cards)
          .values({
            id: encoded(cards.id, "id"),
            conversationId: encoded(cards.conversationId, "conversationId"),
            sourceKey: encoded(cards.sourceKey, "sourceKey"),
            conversationRef: encoded(cards.conversationRef, "conversationRef"),
            createdAt: encoded(cards.createdAt, "now"),
            updatedAt: encoded(cards.updatedAt, "now"),
          })
          .onConflictDoNothing({ target: [cards.conversationId, cards.sourceKey] })
          .returning(),
      );
      const [inserted] = await insert.execute(values);
      if (inserted) return { card: inserted, created: true };
      const bySource = prepared(database, "bot_card_by_source", (db) =>
        db
          .select()
          .from(cards)
          .where(
            and(
              eq(cards.conversationId, encoded(cards.conversationId, "conversationId")),
              eq(cards.sourceKey, encoded(cards.sourceKey, "sourceKey")),
            ),
          )
          .limit(1),
      );
      const [existing] = await bySource.execute(values);
      if (!existing) throw new Error("bot card claim lost its row");
      return { card: existing, created: false };
    },

    /**
     * Records that a posted message shows a task (e.g. someone clicked Retry on a status card) and
     * marks it to be kept current again; an existing record of that message is reused.
     */
    async register(input: RegisterBotCard, now = new Date()): Promise<BotCardRow> {
      const [row] = await db
        .insert(cards)
        .values({ id: newId("botCard", now.getTime()), ...input, createdAt: now, updatedAt: now })
        .onConflictDoUpdate({
          target: [cards.conversationId, cards.activityId],
          set: { taskId: input.taskId, settled: false, updatedAt: now },
        })
        .returning();
      if (!row) throw new Error("bot card register returned no row");
      return row;
    },

    async update(id: string, patch: BotCardPatch, now = new Date()): Promise<BotCardRow | null> {
      // One prepared statement per set of patched columns (the card updater uses two or three).
      const keys = (Object.keys(patch) as (keyof BotCardPatch)[])
        .filter((k) => patch[k] !== undefined)
        .sort();
      const statement = prepared(database, `bot_card_update_${keys.join("_")}`, (db) =>
        db
          .update(cards)
          .set({
            ...Object.fromEntries(keys.map((k) => [k, encoded(cards[k], k)])),
            updatedAt: encoded(cards.updatedAt, "updatedAt"),
          })
          .where(byId)
          .returning(),
      );
      const [row] = await statement.execute({ ...patch, updatedAt: now, id });
      return row ?? null;
    },

    /**
     * Deletes records made before `before` that nothing needs any more: replies that show no task
     * (kept only to recognise a redelivery, which comes within minutes) and cards already final.
     * Cards still owed an update stay, however old.
     */
    async purge(before: Date): Promise<number> {
      const rows = await db
        .delete(cards)
        .where(and(lt(cards.createdAt, before), or(isNull(cards.taskId), eq(cards.settled, true))))
        .returning({ id: cards.id });
      return rows.length;
    },

    /** Posted task cards, of one task or (unsettled) every card still owed an update, oldest first. */
    async list(filter: { taskId?: string; unsettled?: boolean; limit?: number } = {}): Promise<BotCardRow[]> {
      const byTask = Boolean(filter.taskId);
      const unsettled = Boolean(filter.unsettled);
      const statement = prepared(
        database,
        `bot_cards_list_${byTask ? "t" : ""}${unsettled ? "u" : ""}`,
        (db) => {
          const conditions = [isNotNull(cards.activityId), isNotNull(cards.taskId)];
          if (byTask) conditions.push(eq(cards.taskId, encoded(cards.taskId, "taskId")));
          if (unsettled) conditions.push(eq(cards.settled, false));
          return db
            .select()
            .from(cards)
            .where(and(...conditions))
            .orderBy(asc(cards.createdAt), asc(cards.id))
            .limit(sql.placeholder("limit"));
        },
      );
      return statement.execute({ taskId: filter.taskId, limit: filter.limit ?? 500 });
    },
  };
}

export type BotCardsStore = ReturnType<typeof createBotCardsStore>;
