import { describe, expect, it } from "vitest";
import { loadConfig } from "../../config";
import { sameSecret } from "./internal-caller";
import { oidcSettings } from "./jwt-verifier";
import { satisfies, strongestRole } from "./roles";

describe("sign-in settings", () => {
  it("defaults to the Entra ID v2 issuer and keys of AZURE_TENANT_ID, with AZURE_CLIENT_ID as audience", () => {
    const config = loadConfig({
      DEMO_MODE: "false",
      AZURE_TENANT_ID: "t-123",
      AZURE_CLIENT_ID: "c-456",
      ROLE: "worker",
    });
    expect(oidcSettings(config)).toEqual({
      issuer: "https://login.microsoftonline.com/t-123/v2.0",
      audience: "c-456",
      jwksUrl: "https://login.microsoftonline.com/t-123/discovery/v2.0/keys",
    });
  });

  it("uses OIDC_ISSUER, OIDC_AUDIENCE and OIDC_JWKS_URL when set", () => {
    const config = loadConfig({
      DEMO_MODE: "false",
      OIDC_ISSUER: "https://idp.example/v2.0",
      OIDC_AUDIENCE: "api://x",
      OIDC_JWKS_URL: "https://idp.example/keys",
      ROLE: "worker",
    });
    expect(oidcSettings(config)).toEqual({
      issuer: "https://idp.example/v2.0",
      audience: "api://x",
      jwksUrl: "https://idp.example/keys",
    });
  });
});

describe("roles", () => {
  it("orders admin over operator over viewer", () => {
    expect(satisfies("admin", "operator")).toBe(true);
    expect(satisfies("operator", "operator")).toBe(true);
    expect(satisfies("viewer", "operator")).toBe(false);
  });

  it("takes the strongest known role of a roles claim, ignoring others", () => {
    expect(strongestRole(["viewer", "CloudOps.Operator", "Something.Else"])).toBe("operator");
    expect(strongestRole("Admin")).toBe("admin");
    expect(strongestRole(["Reader"])).toBeNull();
    expect(strongestRole(undefined)).toBeNull();
  });
});

describe("internal token comparison", () => {
  it("matches only the exact secret, whatever the lengths", () => {
    expect(sameSecret("s3cret-token-value", "s3cret-token-value")).toBe(true);
    expect(sameSecret("s3cret-token-valuf", "s3cret-token-value")).toBe(false);
    expect(sameSecret("s3cret", "s3cret-token-value")).toBe(false);
  });
});
