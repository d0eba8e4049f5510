import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTeamsSender } from "./teams-sender";

const url = "https://contoso.webhook.office.com/webhookb2/abc@def/IncomingWebhook/s3cr3t/ghi";
const card = { type: "AdaptiveCard", version: "1.5", body: [{ type: "TextBlock", text: "hello" }] };
const server = setupServer();

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe("Teams sender", () => {
  it("posts the card in the envelope both Workflows and legacy connectors accept", async () => {
    const received: Array<{ contentType: string | null; body: unknown }> = [];
    server.use(
      http.post(url, async ({ request }) => {
        received.push({ contentType: request.headers.get("content-type"), body: await request.json() });
        return new HttpResponse(null, { status: 202 });
      }),
    );
    expect(await createTeamsSender().send(url, card)).toEqual({ ok: true });
    expect(received).toEqual([
      {
        contentType: "application/json",
        body: {
          type: "message",
          attachments: [
            { contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: card },
          ],
        },
      },
    ]);
  });

  it("counts the legacy connector's 200 with body 1 as delivered", async () => {
    server.use(http.post(url, () => HttpResponse.text("1")));
    expect(await createTeamsSender().send(url, card)).toEqual({ ok: true });
  });

  it("reads a 200 whose body mentions 429 as throttled", async () => {
    server.use(
      http.post(url, () =>
        HttpResponse.text("Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0"),
      ),
    );
    expect(await createTeamsSender().send(url, card)).toMatchObject({ ok: false, retryable: true });
  });

  it("passes Retry-After of a 429 on, in seconds or as a date", async () => {
    server.use(
      http.post(url, () => new HttpResponse(null, { status: 429, headers: { "Retry-After": "30" } })),
    );
    expect(await createTeamsSender().send(url, card)).toEqual({
      ok: false,
      retryable: true,
      reason: "The Teams webhook throttled the request (HTTP 429)",
      retryAfterMs: 30_000,
    });
  });

  it("retries server errors and network failures but not a removed webhook", async () => {
    server.use(http.post(url, () => new HttpResponse("oops", { status: 503 })));
    expect(await createTeamsSender().send(url, card)).toMatchObject({ ok: false, retryable: true });
    server.use(http.post(url, () => new HttpResponse("gone", { status: 404 })));
    expect(await createTeamsSender().send(url, card)).toEqual({
      ok: false,
      retryable: false,
      reason: "The Teams webhook answered HTTP 404",
    });
    server.use(http.post(url, () => HttpResponse.error()));
    const failed = await createTeamsSender().send(url, card);
    expect(failed).toMatchObject({ ok: false, retryable: true });
    expect(JSON.stringify(failed)).not.toContain("s3cr3t");
  });
});
