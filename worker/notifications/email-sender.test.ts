import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createConsoleEmailSink, createEmailSender, createSendGridSender } from "./email-sender";

const SENDGRID = "https://api.sendgrid.com/v3/mail/send";
const apiKey = "SG.test-key-do-not-leak.abcdef";
const message = {
  to: ["ops@contoso.com", "oncall@contoso.com"],
  subject: "[CloudOps] Deployment to shop/prod failed",
  text: "Deployment to shop/prod failed\n",
  html: "<h2>Deployment to shop/prod failed</h2>",
};
const server = setupServer();

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe("email sender", () => {
  it("sends through SendGrid from EMAIL_FROM with an HTML and a plain-text part", async () => {
    const received: Array<{ auth: string | null; body: unknown }> = [];
    server.use(
      http.post(SENDGRID, async ({ request }) => {
        received.push({ auth: request.headers.get("authorization"), body: await request.json() });
        return new HttpResponse(null, { status: 202 });
      }),
    );
    const sender = createSendGridSender({ apiKey, from: "cloudops@contoso.com" });
    expect(await sender.send(message)).toEqual({ ok: true });
    expect(received).toEqual([
      {
        auth: `Bearer ${apiKey}`,
        body: {
          from: { email: "cloudops@contoso.com" },
          subject: message.subject,
          personalizations: [{ to: [{ email: "ops@contoso.com" }, { email: "oncall@contoso.com" }] }],
          content: [
            { type: "text/plain", value: message.text },
            { type: "text/html", value: message.html },
          ],
        },
      },
    ]);
  });

  it("reports SendGrid throttling with its Retry-After, and refusals as final, without the key", async () => {
    const sender = createSendGridSender({ apiKey, from: "cloudops@contoso.com" });
    server.use(
      http.post(SENDGRID, () =>
        HttpResponse.json(
          { errors: [{ message: "too many" }] },
          { status: 429, headers: { "Retry-After": "7" } },
        ),
      ),
    );
    expect(await sender.send(message)).toMatchObject({ ok: false, retryable: true, retryAfterMs: 7000 });
    server.use(
      http.post(SENDGRID, () => HttpResponse.json({ errors: [{ message: "bad key" }] }, { status: 401 })),
    );
    const refused = await sender.send(message);
    expect(refused).toEqual({ ok: false, retryable: false, reason: "SendGrid answered HTTP 401" });
    expect(JSON.stringify(refused)).not.toContain(apiKey);
  });

  it("prints a readable summary to the console when no SendGrid key is set", async () => {
    const printed: string[] = [];
    const sender = createEmailSender({
      sendgridApiKey: undefined,
      from: "x@y.z",
      write: (t) => printed.push(t),
    });
    expect(sender.kind).toBe("console");
    expect(await sender.send(message)).toEqual({ ok: true });
    const out = printed.join("");
    expect(out).toContain("To:      ops@contoso.com, oncall@contoso.com");
    expect(out).toContain("Subject: [CloudOps] Deployment to shop/prod failed");
    expect(out).toContain("Deployment to shop/prod failed\n");
    expect(out).not.toContain("<h2>");
    expect(createConsoleEmailSink(() => {}).kind).toBe("console");
  });
});
