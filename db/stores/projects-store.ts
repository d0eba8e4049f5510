import { asc, eq } from "drizzle-orm";
import { newId } from "../../domain/model/ids";
import type { Database } from "../client";
import { ConflictError, NotFoundError } from "../errors";
import type { ProjectRow } from "../rows";

export interface ProjectInput {
  name: string;
  description?: string;
  /** A deploy template id (the API checks it against the catalogue). */
  defaultTemplate?: string;
}

export function createProjectsStore(database: Database) {
  const { db, schema } = database;
  const { projects } = schema;

  async function byName(name: string): Promise<ProjectRow | null> {
    const rows = await db.select().from(projects).where(eq(projects.name, name)).limit(1);
    return rows[0] ?? null;
  }

  return {
    async list(): Promise<ProjectRow[]> {
      return db.select().from(projects).orderBy(asc(projects.name));
    },

    async get(id: string): Promise<ProjectRow | null> {
      const rows = await db.select().from(projects).where(eq(projects.id, id)).limit(1);
      return rows[0] ?? null;
    },

    byName,

    /** Finds a project by id or by name (Teams users type names). */
    async resolve(idOrName: string): Promise<ProjectRow | null> {
      const rows = await db.select().from(projects).where(eq(projects.id, idOrName)).limit(1);
      return rows[0] ?? (await byName(idOrName));
    },

    async create(input: ProjectInput, now = new Date()): Promise<ProjectRow> {
      const rows = await db
        .insert(projects)
        .values({
          id: newId("project"),
          name: input.name,
          description: input.description ?? "",
          defaultTemplate: input.defaultTemplate ?? "web-app",
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoNothing()
        .returning();
      const row = rows[0];
      if (!row) throw new ConflictError("project_name_taken", `A project named ${input.name} already exists`);
      return row;
    },

    async update(id: string, patch: Partial<ProjectInput>, now = new Date()): Promise<ProjectRow> {
      if (patch.name) {
        const other = await byName(patch.name);
        if (other && other.id !== id) {
          throw new ConflictError("project_name_taken", `A project named ${patch.name} already exists`);
        }
      }
      const rows = await db
        .update(projects)
        .set({ ...patch, updatedAt: now })
        .where(eq(projects.id, id))
        .returning();
      const row = rows[0];
      if (!row) throw new NotFoundError("project_not_found", `No project has the id ${id}`);
      return row;
    },

    async delete(id: string): Promise<void> {
      const rows = await db.delete(projects).where(eq(projects.id, id)).returning({ id: projects.id });
      if (rows.length === 0) throw new NotFoundError("project_not_found", `No project has the id ${id}`);
    },
  };
}

export type ProjectsStore = ReturnType<typeof createProjectsStore>;
