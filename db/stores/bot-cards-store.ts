import { and, asc, eq, isNotNull, isNull, lt, or } from "drizzle-orm";
import { newId } from "../../domain/model/ids";
import type { Database } from "../client";
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

  async function get(id: string): Promise<BotCardRow | null> {
    const [row] = await db.select().from(cards).where(eq(cards.id, id)).limit(1);
    return row ?? null;
  }

  return {
    get,

    /** Takes the right to post for `sourceKey` in a conversation; `created` false means someone has it. */
    async claim(input: ClaimBotCard, now = new Date()): Promise<{ card: BotCardRow; created: boolean }> {
      const [inserted] = await db
        .insert(cards)
        .values({ id: newId("botCard", now.getTime()), ...input, createdAt: now, updatedAt: now })
        .onConflictDoNothing({ target: [cards.conversationId, cards.sourceKey] })
        .returning();
      if (inserted) return { card: inserted, created: true };
      const [existing] = await db
        .select()
        .from(cards)
        .where(and(eq(cards.conversationId, input.conversationId), eq(cards.sourceKey, input.sourceKey)))
        .limit(1);
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
      const [row] = await db
        .update(cards)
        .set({ ...patch, updatedAt: now })
        .where(eq(cards.id, id))
        .returning();
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
      const conditions = [isNotNull(cards.activityId), isNotNull(cards.taskId)];
      if (filter.taskId) conditions.push(eq(cards.taskId, filter.taskId));
      if (filter.unsettled) conditions.push(eq(cards.settled, false));
      return db
        .select()
        .from(cards)
        .where(and(...conditions))
        .orderBy(asc(cards.createdAt), asc(cards.id))
        .limit(filter.limit ?? 500);
    },
  };
}

export type BotCardsStore = ReturnType<typeof createBotCardsStore>;
