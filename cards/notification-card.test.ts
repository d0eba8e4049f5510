import { AdaptiveCard, SerializationContext } from "adaptivecards";
import { describe, expect, it } from "vitest";
import { notificationCard, testNotificationCard } from "./notification-card";
import type { NotificationItem } from "./notification-text";

const publicUrl = "https://ops.contoso.com";
const now = new Date("2026-11-22T05:02:00.000Z");

const item = (over: Partial<NotificationItem> = {}): NotificationItem => ({
  taskId: "tsk_01jd2x5k8m0000abcdefghjk",
  taskType: "deploy",
  status: "failed",
  entityLabel: "prod/api",
  requestedBy: "alice@contoso.com",
  startedAt: "2026-11-22T05:00:00.000Z",
  finishedAt: "2026-11-22T05:01:05.000Z",
  error: 'Injected failure at step "apply" (attempt 3)',
  ...over,
});

/** Parses like a Teams client would and returns every parse and validation message. */
function problemsOf(card: Record<string, unknown>): string[] {
  const parsed = new AdaptiveCard();
  const context = new SerializationContext();
  parsed.parse(card, context);
  const messages: string[] = [];
  for (let i = 0; i < context.eventCount; i++) messages.push(context.getEventAt(i).message);
  for (const event of parsed.validateProperties().validationEvents) messages.push(event.message);
  return messages;
}

const texts = (card: unknown): string[] => {
  const out: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === "object") {
      const record = node as Record<string, unknown>;
      if (typeof record.text === "string") out.push(record.text);
      Object.values(record).forEach(walk);
    }
  };
  walk(card);
  return out;
};

describe("notification card", () => {
  it("shows one finished task with its status colour, duration and a link to its page", () => {
    const card = notificationCard({ items: [item()], publicUrl, now });
    expect(card).toMatchSnapshot();
    expect(card.version).toBe("1.5");
    const body = card.body as Array<Record<string, unknown>>;
    expect(body[0]).toMatchObject({ text: "Deployment to prod/api failed", color: "Attention" });
    expect(JSON.stringify(card)).toContain('"value":"1 min 05 s"');
    expect(card.actions).toEqual([
      {
        type: "Action.OpenUrl",
        title: "Open task",
        url: "https://ops.contoso.com/tasks/tsk_01jd2x5k8m0000abcdefghjk",
      },
    ]);
    expect(problemsOf(card)).toEqual([]);
  });

  it("colours successes green and calls a finished sandbox expiry an expiry", () => {
    const ok = notificationCard({ items: [item({ status: "succeeded", error: null })], publicUrl, now });
    expect((ok.body as Array<Record<string, unknown>>)[0]).toMatchObject({ color: "Good" });
    expect(JSON.stringify(ok)).not.toContain('"title":"Error"');
    const expired = notificationCard({
      items: [
        item({ taskType: "sandbox.expire", status: "succeeded", entityLabel: "shop/pr-7", error: null }),
      ],
      publicUrl,
      now,
    });
    expect(texts(expired)[0]).toBe("Sandbox shop/pr-7 expired");
    expect(problemsOf(expired)).toEqual([]);
  });

  it("folds several tasks of one entity into a digest that links each task", () => {
    const items = [1, 2, 3, 4].map((n) =>
      item({ taskId: `tsk_01jd2x5k8m0000abcdefgh0${n}`, finishedAt: `2026-11-22T05:0${n - 1}:30.000Z` }),
    );
    const card = notificationCard({ items, publicUrl, now: new Date("2026-11-22T05:04:00.000Z") });
    expect(card).toMatchSnapshot();
    expect(texts(card)[0]).toBe("4 tasks failed on prod/api in the last 4 minutes");
    const links = JSON.stringify(card).match(/https:\/\/ops\.contoso\.com\/tasks\/tsk_\w+/g);
    expect(links).toEqual(items.map((i) => `https://ops.contoso.com/tasks/${i.taskId}`));
    expect(problemsOf(card)).toEqual([]);
  });

  it("stays under Teams' 28 KB card limit with a huge digest and long errors, saying what it left out", () => {
    const many = Array.from({ length: 200 }, (_, n) =>
      item({ taskId: `tsk_01jd2x5k8m0000abcdefg${String(n).padStart(3, "0")}`, error: "E".repeat(5000) }),
    );
    const digest = notificationCard({ items: many, publicUrl, now });
    expect(Buffer.byteLength(JSON.stringify(digest))).toBeLessThan(28 * 1024);
    expect(texts(digest)[0]).toBe("200 tasks failed on prod/api in the last minute");
    expect(texts(digest)[1]).toContain("Showing the latest 20 of 200.");
    expect(JSON.stringify(digest)).toContain("tsk_01jd2x5k8m0000abcdefg199");
    const single = notificationCard({ items: [item({ error: "E".repeat(50_000) })], publicUrl, now });
    expect(Buffer.byteLength(JSON.stringify(single))).toBeLessThan(28 * 1024);
    expect(problemsOf(digest)).toEqual([]);
  });

  it("counts each outcome in a digest of mixed outcomes", () => {
    const card = notificationCard({
      items: [item(), item({ status: "succeeded", error: null }), item()],
      publicUrl,
      now,
    });
    expect(texts(card)[0]).toBe("3 tasks finished on prod/api in the last minute: 2 failed, 1 succeeded");
  });

  it("asks for an approval with the plan, and names it readably in a digest", () => {
    const waiting = item({
      status: "awaiting_approval",
      error: null,
      detail: "0 to add, 1 to change, 1 unchanged · sha256 4f1d2c0b9a8e… · approve by 2026-11-22 06:01 UTC",
    });
    const card = notificationCard({ items: [waiting], publicUrl, now });
    expect(problemsOf(card)).toEqual([]);
    expect(texts(card)[0]).toBe("Deployment to prod/api needs approval");
    expect(JSON.stringify(card)).toContain("sha256 4f1d2c0b9a8e…");
    expect(JSON.stringify(card)).toContain(`${publicUrl}/tasks/${waiting.taskId}`);
    const digest = notificationCard({ items: [item(), waiting], publicUrl, now });
    expect(texts(digest)[0]).toBe(
      "2 tasks finished on prod/api in the last minute: 1 failed, 1 awaiting approval",
    );
  });

  it("keeps template syntax in task data as literal text", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the point is a literal template expression
    const sneaky = "${headline}";
    const card = notificationCard({
      items: [item({ entityLabel: sneaky, error: null })],
      publicUrl,
      now,
    });
    expect(texts(card)[0]).toBe(`Deployment to ${sneaky} failed`);
  });

  it("builds a test card that parses cleanly", () => {
    const card = testNotificationCard({ projectName: "shop", requestedBy: "alice", publicUrl, now });
    expect(texts(card)[0]).toBe("Test notification for shop");
    expect(problemsOf(card)).toEqual([]);
  });
});
