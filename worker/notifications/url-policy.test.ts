import { describe, expect, it } from "vitest";
import { createWebhookUrlPolicy, maskUrl } from "./url-policy";

const secretPath = "/webhookb2/0000-1111@2222/IncomingWebhook/s3cr3tT0ken/3333";

describe("webhook URL policy", () => {
  const policy = createWebhookUrlPolicy([]);

  it.each([
    `https://contoso.webhook.office.com${secretPath}`,
    "https://outlook.office.com/webhook/abc/IncomingWebhook/def/ghi",
    "https://prod-42.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=s3cr3t",
    "https://default0123.ab.environment.api.powerplatform.com/powerautomate/automations/direct/workflows/x",
  ])("accepts Microsoft's webhook host in %s", (url) => {
    expect(policy.validate(url)).toEqual({ ok: true });
  });

  it("refuses a scheme other than https", () => {
    expect(policy.validate(`http://contoso.webhook.office.com${secretPath}`)).toMatchObject({ ok: false });
    expect(policy.validate("ftp://contoso.webhook.office.com/x")).toEqual({
      ok: false,
      reason: "The webhook URL must start with https://",
    });
  });

  it("refuses a host that is not on the list and says how to allow it, without echoing the URL", () => {
    const check = policy.validate(`https://evil.example.com${secretPath}`);
    expect(check.ok).toBe(false);
    const reason = check.ok ? "" : check.reason;
    expect(reason).toContain("evil.example.com");
    expect(reason).toContain("NOTIFY_ALLOWED_HOSTS");
    expect(reason).not.toContain("s3cr3tT0ken");
  });

  it("does not let a look-alike host pass as a Microsoft one", () => {
    expect(policy.validate("https://webhook.office.com.evil.example/x").ok).toBe(false);
    expect(policy.validate("https://evilwebhook.office.com/x").ok).toBe(false);
    expect(policy.validate("https://logic.azure.com/x").ok).toBe(false);
  });

  it("refuses credentials in the URL, odd ports on Microsoft hosts and text that is not a URL", () => {
    expect(policy.validate("https://user:pw@contoso.webhook.office.com/x").ok).toBe(false);
    expect(policy.validate("https://contoso.webhook.office.com:8443/x").ok).toBe(false);
    expect(policy.validate("not a url")).toEqual({ ok: false, reason: "The webhook URL is not a valid URL" });
  });

  it("adds NOTIFY_ALLOWED_HOSTS and accepts plain http only for loopback hosts named there", () => {
    const extended = createWebhookUrlPolicy(["127.0.0.1", "hooks.internal.example", "*.relay.example"]);
    expect(extended.validate("http://127.0.0.1:4010/teams").ok).toBe(true);
    expect(extended.validate("https://hooks.internal.example:8443/teams").ok).toBe(true);
    expect(extended.validate("https://a.relay.example/teams").ok).toBe(true);
    expect(extended.validate("http://hooks.internal.example/teams")).toMatchObject({ ok: false });
    // localhost is loopback but was not named, so it is not allowed at all.
    expect(extended.validate("http://localhost:4010/teams").ok).toBe(false);
    expect(policy.validate("http://127.0.0.1:4010/teams").ok).toBe(false);
  });

  it("masks a URL down to its host", () => {
    expect(maskUrl(`https://contoso.webhook.office.com${secretPath}`)).toBe("contoso.webhook.office.com");
    expect(maskUrl("nonsense")).toBe("invalid-url");
  });
});
