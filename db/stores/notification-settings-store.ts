import { eq } from "drizzle-orm";
import type { Database } from "../client";
import type { NotificationSettingsRow } from "../rows";

export interface NotificationSettingsInput {
  teamsWebhookUrl: string | null;
  emailList: string[];
  notifyOn?: string[] | null;
}

export function createNotificationSettingsStore(database: Database) {
  const { db, schema } = database;
  const { notificationSettings } = schema;

  return {
    async get(projectId: string): Promise<NotificationSettingsRow | null> {
      const rows = await db
        .select()
        .from(notificationSettings)
        .where(eq(notificationSettings.projectId, projectId))
        .limit(1);
      return rows[0] ?? null;
    },

    async put(
      projectId: string,
      input: NotificationSettingsInput,
      now = new Date(),
    ): Promise<NotificationSettingsRow> {
      const values = {
        teamsWebhookUrl: input.teamsWebhookUrl,
        emailList: input.emailList,
        notifyOn: input.notifyOn ?? null,
        updatedAt: now,
      };
      const rows = await db
        .insert(notificationSettings)
        .values({ projectId, ...values })
        .onConflictDoUpdate({ target: notificationSettings.projectId, set: values })
        .returning();
      const row = rows[0];
      if (!row) throw new Error("notification settings upsert returned no row");
      return row;
    },
  };
}

export type NotificationSettingsStore = ReturnType<typeof createNotificationSettingsStore>;
