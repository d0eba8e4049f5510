import { describe, expect, it } from "vitest";
import { commandText } from "../activity";
import { parseCommand } from "./parse";

const parse = (text: string) => parseCommand(commandText({ text }));

describe("command parsing", () => {
  it("strips the mention and keeps the case of arguments", () => {
    expect(parse("<at>CloudOps</at> restart prod/API")).toEqual({
      ok: true,
      command: { name: "restart", namespace: "prod", workload: "API" },
    });
    expect(parse("  <at>CloudOps</at>   DEPLOY Shop/Dev  api-service ")).toEqual({
      ok: true,
      command: { name: "deploy", project: "Shop", environment: "Dev", template: "api-service" },
    });
  });

  it("reads every command with its arguments", () => {
    expect(parse("deploy shop/dev")).toMatchObject({ command: { template: undefined } });
    expect(parse("backup azure-sql orders")).toMatchObject({
      command: { name: "backup", engine: "azure-sql", instance: "orders" },
    });
    expect(parse("restore azure-postgres orders art_1")).toMatchObject({
      command: { name: "restore", artifactId: "art_1" },
    });
    // Missing parts of backup and restore are asked for with a choice card.
    expect(parse("backup")).toEqual({
      ok: true,
      command: { name: "backup", engine: undefined, instance: undefined },
    });
    expect(parse("backup azure-sql")).toMatchObject({
      command: { engine: "azure-sql", instance: undefined },
    });
    expect(parse("backup orders-db")).toMatchObject({
      command: { engine: undefined, instance: "orders-db" },
    });
    expect(parse("restore azure-postgres orders")).toMatchObject({
      command: { name: "restore", engine: "azure-postgres", instance: "orders", artifactId: undefined },
    });
    expect(parse("sandbox shop")).toMatchObject({
      command: { name: "sandbox", project: "shop", ttlMinutes: undefined },
    });
    expect(parse("sandbox shop 90")).toMatchObject({ command: { ttlMinutes: 90 } });
    expect(parse("status tsk_01jd2x5k8m0000abcdefghjkmn")).toMatchObject({ command: { name: "status" } });
    expect(parse("tasks")).toEqual({ ok: true, command: { name: "tasks" } });
    expect(parse("dlq")).toEqual({ ok: true, command: { name: "dlq" } });
    expect(parse("cost 2 4.5 100")).toEqual({
      ok: true,
      command: { name: "cost", cpu: 2, memoryGb: 4.5, storageGb: 100 },
    });
    expect(parse("help")).toEqual({ ok: true, command: { name: "help" } });
    expect(parse("<at>CloudOps</at>")).toEqual({ ok: true, command: { name: "help" } });
  });

  it("names the command and suggests the nearest one for a typo", () => {
    expect(parse("restat prod/api")).toEqual({
      ok: false,
      error: { title: "I don't know the command “restat”", hint: "Did you mean restart?" },
    });
    expect(parse("launch rockets")).toMatchObject({
      ok: false,
      error: { hint: "Type help to see every command." },
    });
  });

  it.each([
    ["restart prod", "restart"],
    ["restart prod/api extra", "restart"],
    ["deploy shop", "deploy"],
    ["backup mysql orders", "backup"],
    ["restore azure-sql orders art_1 extra", "restore"],
    ["backup azure-sql orders extra", "backup"],
    ["backup orders_db!", "backup"],
    ["sandbox shop soon", "sandbox"],
    ["status 42", "status"],
    ["cost 2 four 100", "cost"],
    ["cost 2 4", "cost"],
    ["tasks all", "tasks"],
  ])("refuses “%s” and points at the usage of %s", (text, command) => {
    expect(parse(text)).toMatchObject({ ok: false, error: { command } });
  });
});
