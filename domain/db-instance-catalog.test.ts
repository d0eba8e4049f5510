import { describe, expect, it } from "vitest";
import { createDbInstanceCatalog } from "./db-instance-catalog";

const orders = { id: "orders-db", engine: "azure-postgres" as const, url: "postgres://app:pw@h/orders" };

describe("the database instance catalogue", () => {
  it("simulates any id in demo mode with nothing configured", () => {
    const catalog = createDbInstanceCatalog({ instances: [], demoMode: true });
    expect(catalog.lookup("azure-sql", "whatever")).toEqual({
      kind: "simulated",
      instance: { id: "whatever", engine: "azure-sql" },
    });
  });

  it("refuses every id in production mode with nothing configured", () => {
    const catalog = createDbInstanceCatalog({ instances: [], demoMode: false });
    expect(catalog.simulated).toBe(false);
    expect(catalog.lookup("azure-postgres", "orders-db")).toEqual({ kind: "unknown" });
  });

  it("finds configured instances by engine and id, and lists them without their URLs", () => {
    const catalog = createDbInstanceCatalog({ instances: [orders], demoMode: true });
    expect(catalog.lookup("azure-postgres", "orders-db")).toEqual({ kind: "real", instance: orders });
    expect(catalog.lookup("azure-sql", "orders-db")).toEqual({ kind: "unknown" });
    expect(catalog.lookup("azure-postgres", "other")).toEqual({ kind: "unknown" });
    expect(JSON.stringify(catalog.list())).not.toContain("pw");
  });
});
