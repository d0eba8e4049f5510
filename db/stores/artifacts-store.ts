import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import { newId } from "../../domain/model/ids";
import type { Database } from "../client";
import type { ArtifactRow } from "../rows";

export type NewArtifact = Omit<ArtifactRow, "id" | "createdAt" | "meta"> & {
  id?: string;
  meta?: Record<string, unknown> | null;
};

export interface ArtifactFilter {
  kind?: string;
  engine?: string;
  instanceId?: string;
  limit?: number;
}

export function createArtifactsStore(database: Database) {
  const { db, schema } = database;
  const { artifacts } = schema;

  return {
    /** Records an artifact; a repeated call with the same explicit id returns the first row. */
    async create(input: NewArtifact, now = new Date()): Promise<ArtifactRow> {
      const id = input.id ?? newId("artifact", now.getTime());
      const rows = await db
        .insert(artifacts)
        .values({ ...input, meta: input.meta ?? null, id, createdAt: now })
        .onConflictDoNothing()
        .returning();
      const row = rows[0] ?? (await this.get(id));
      if (!row) throw new Error("artifact insert returned no row");
      return row;
    },

    async get(id: string): Promise<ArtifactRow | null> {
      const rows = await db.select().from(artifacts).where(eq(artifacts.id, id)).limit(1);
      return rows[0] ?? null;
    },

    async listForInstance(engine: string, instanceId: string, limit = 20): Promise<ArtifactRow[]> {
      return db
        .select()
        .from(artifacts)
        .where(and(eq(artifacts.engine, engine), eq(artifacts.instanceId, instanceId)))
        .orderBy(desc(artifacts.createdAt))
        .limit(limit);
    },

    /** Newest first, filtered by kind, engine and instance. */
    async list(filter: ArtifactFilter = {}): Promise<ArtifactRow[]> {
      const where: SQL[] = [];
      if (filter.kind) where.push(eq(artifacts.kind, filter.kind));
      if (filter.engine) where.push(eq(artifacts.engine, filter.engine));
      if (filter.instanceId) where.push(eq(artifacts.instanceId, filter.instanceId));
      return db
        .select()
        .from(artifacts)
        .where(where.length ? and(...where) : undefined)
        .orderBy(desc(artifacts.createdAt), desc(artifacts.id))
        .limit(filter.limit ?? 50);
    },

    /** Backups created before `cutoff`, oldest first (candidates for retention). */
    async listBackupsBefore(cutoff: Date, limit = 500): Promise<ArtifactRow[]> {
      return db
        .select()
        .from(artifacts)
        .where(and(eq(artifacts.kind, "backup"), lt(artifacts.createdAt, cutoff)))
        .orderBy(artifacts.createdAt)
        .limit(limit);
    },

    async delete(id: string): Promise<void> {
      await db.delete(artifacts).where(eq(artifacts.id, id));
    },

    async listForTask(taskId: string): Promise<ArtifactRow[]> {
      return db
        .select()
        .from(artifacts)
        .where(eq(artifacts.taskId, taskId))
        .orderBy(desc(artifacts.createdAt));
    },
  };
}

export type ArtifactsStore = ReturnType<typeof createArtifactsStore>;
