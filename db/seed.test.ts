import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../tests/support/databases";
import { seedDemoData, seedIfEmpty } from "./seed";
import { createStores, type Stores } from "./stores/index";

describe("demo seed", () => {
  let testDb: TestDatabase;
  let stores: Stores;
  beforeAll(async () => {
    testDb = await createTestDatabase("sqlite");
    stores = createStores(testDb.database);
  });
  afterAll(async () => testDb?.destroy());

  it("seeds an empty database and is safe to run twice", async () => {
    expect(await seedIfEmpty(stores)).toBe(true);
    const projects = await stores.projects.list();
    expect(projects.map((p) => p.name)).toEqual(["data-platform", "payments", "shop"]);
    expect(await seedDemoData(stores)).toEqual({ projects: 0, environments: 0 });
    expect(await seedIfEmpty(stores)).toBe(false);
    expect((await stores.environments.listAll()).length).toBe(7);
  });
});
