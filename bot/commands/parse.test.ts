import { describe, expect, it } from "vitest";
import { commandText } from "../activity";
import { parseCommand } from "./parse";

const parse = (text: string) => parseCommand(commandText({ text }));

describe("command parsing", () => {
  it("strips the mention and keeps the case of arguments", () => {
    expect(parse("<at>CloudOps</at> restart prod/api")).toEqual({
      ok: true,
      command: { name: "restart", namespace: "prod", workload: "api" },
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

  it("refuses prod/API with the API's own name rule and suggests the spelling it accepts", () => {
    expect(parse("restart prod/API")).toEqual({
      ok: false,
      error: {
        command: "restart",
        title: "“prod/API” is not a valid namespace/workload",
        hint: "Names are lower case letters, digits and '-' (at most 63), as Kubernetes and the API require. Did you mean prod/api?",
      },
    });
    expect(parse("restart prod/my_api")).toMatchObject({ ok: false, error: { command: "restart" } });
    expect(parse("restart prod/my_api")).not.toMatchObject({
      error: { hint: expect.stringContaining("Did you mean") },
    });
    expect(parse("backup azure-sql Orders")).toMatchObject({
      ok: false,
      error: { command: "backup", hint: expect.stringContaining("Did you mean orders?") },
    });
    // Every name the parser lets through is one the API accepts (the contracts' DNS-1123 rule).
    for (const name of ["a", "web-1", "x".repeat(63)]) {
      expect(parse(`restart prod/${name}`)).toMatchObject({ ok: true });
    }
    expect(parse(`restart prod/${"x".repeat(64)}`)).toMatchObject({ ok: false });
    expect(parse("restart prod/-api")).toMatchObject({ ok: false });
  });
});
