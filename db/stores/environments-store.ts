import { and, asc, eq, lte } from "drizzle-orm";
import { newId } from "../../domain/model/ids";
import type { EnvironmentType } from "../../domain/model/task-types";
import type { Database } from "../client";
import { ConflictError, NotFoundError } from "../errors";
import type { EnvironmentRow } from "../rows";

export interface EnvironmentInput {
  name: string;
  type: EnvironmentType;
  ttlMinutes?: number | null;
  expiresAt?: Date | null;
  id?: string;
  /** Kubernetes namespace; unset means `<project>-<environment>`. */
  namespace?: string | null;
  /** Two-person approval for deploys and restores (type prod needs it regardless). */
  requiresApproval?: boolean;
}

export function createEnvironmentsStore(database: Database) {
  const { db, schema } = database;
  const { environments } = schema;

  async function get(id: string): Promise<EnvironmentRow | null> {
    const rows = await db.select().from(environments).where(eq(environments.id, id)).limit(1);
    return rows[0] ?? null;
  }

  return {
    get,

    async listByProject(projectId: string): Promise<EnvironmentRow[]> {
      return db
        .select()
        .from(environments)
        .where(eq(environments.projectId, projectId))
        .orderBy(asc(environments.name));
    },

    async listAll(): Promise<EnvironmentRow[]> {
      return db.select().from(environments).orderBy(asc(environments.projectId), asc(environments.name));
    },

    async byName(projectId: string, name: string): Promise<EnvironmentRow | null> {
      const rows = await db
        .select()
        .from(environments)
        .where(and(eq(environments.projectId, projectId), eq(environments.name, name)))
        .limit(1);
      return rows[0] ?? null;
    },

    /** Creates an environment; with an explicit `id` a repeated call returns the existing row. */
    async create(projectId: string, input: EnvironmentInput, now = new Date()): Promise<EnvironmentRow> {
      const id = input.id ?? newId("environment");
      const rows = await db
        .insert(environments)
        .values({
          id,
          projectId,
          name: input.name,
          type: input.type,
          status: "active",
          ttlMinutes: input.ttlMinutes ?? null,
          expiresAt: input.expiresAt ?? null,
          namespace: input.namespace ?? null,
          requiresApproval: input.requiresApproval ?? false,
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoNothing()
        .returning();
      const row = rows[0];
      if (row) return row;
      const existing = input.id ? await get(input.id) : null;
      if (existing && existing.projectId === projectId && existing.name === input.name) return existing;
      throw new ConflictError(
        "environment_name_taken",
        `The project already has an environment named ${input.name}`,
      );
    },

    async update(
      id: string,
      patch: Partial<
        Pick<
          EnvironmentRow,
          "name" | "type" | "ttlMinutes" | "expiresAt" | "status" | "namespace" | "requiresApproval"
        >
      >,
      now = new Date(),
    ): Promise<EnvironmentRow> {
      const rows = await db
        .update(environments)
        .set({ ...patch, updatedAt: now })
        .where(eq(environments.id, id))
        .returning();
      const row = rows[0];
      if (!row) throw new NotFoundError("environment_not_found", `No environment has the id ${id}`);
      return row;
    },

    async delete(id: string): Promise<void> {
      const rows = await db
        .delete(environments)
        .where(eq(environments.id, id))
        .returning({ id: environments.id });
      if (rows.length === 0)
        throw new NotFoundError("environment_not_found", `No environment has the id ${id}`);
    },

    /** Active sandboxes whose expiry time has come. */
    async listDueExpiries(now = new Date()): Promise<EnvironmentRow[]> {
      return db
        .select()
        .from(environments)
        .where(
          and(
            eq(environments.status, "active"),
            eq(environments.type, "sandbox"),
            lte(environments.expiresAt, now),
          ),
        )
        .orderBy(asc(environments.expiresAt));
    },
  };
}

export type EnvironmentsStore = ReturnType<typeof createEnvironmentsStore>;
