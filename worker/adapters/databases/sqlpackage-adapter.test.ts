import { describe, expect, it } from "vitest";
import { adoConnectionString } from "./sqlpackage-adapter";

describe("SqlPackage connection strings", () => {
  it("converts a sqlserver:// URL and keeps an ADO.NET string with a password as it is", () => {
    expect(adoConnectionString("sqlserver://app:p%3Bw@billing.database.windows.net/billing")).toBe(
      'Server=tcp:billing.database.windows.net,1433;Database=billing;User ID=app;Password="p;w";Encrypt=True',
    );
    const ado = "Server=tcp:b.database.windows.net,1433;Database=billing;User ID=app;Password=x";
    expect(adoConnectionString(ado)).toBe(ado);
  });

  it("signs in with Entra (Active Directory Default) when the string has no password", () => {
    expect(adoConnectionString("Server=tcp:b.database.windows.net;Database=billing;")).toBe(
      "Server=tcp:b.database.windows.net;Database=billing;Authentication=Active Directory Default",
    );
  });
});
