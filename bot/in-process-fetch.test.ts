import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { describe, expect, it } from "vitest";
import { inProcessFetch } from "./in-process-fetch";

describe("in-process fetch", () => {
  it("sends a string body with its Content-Length, so the body limit checks the header", async () => {
    const app = new Hono();
    const seen: Array<string | undefined> = [];
    app.use("*", async (c, next) => {
      seen.push(c.req.header("content-length"));
      await next();
    });
    app.use("*", bodyLimit({ maxSize: 10, onError: (c) => c.text("too large", 413) }));
    app.post("/echo", async (c) => c.json(await c.req.json()));
    const local = inProcessFetch(app);

    const body = JSON.stringify({ name: "café" });
    const ok = await local("http://local/echo", { method: "POST", body: JSON.stringify({ a: 1 }) });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ a: 1 });
    const refused = await local("http://local/echo", { method: "POST", body });
    expect(refused.status).toBe(413);
    expect(seen).toEqual(["7", String(Buffer.byteLength(body))]);
    expect(Buffer.byteLength(body)).toBeGreaterThan(body.length);
  });

  it("rejects with the signal's reason when the signal aborts before the app answers", async () => {
    const app = new Hono();
    let release: () => void = () => {};
    app.get("/slow", async (c) => {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return c.text("late");
    });
    app.get("/fast", (c) => c.text("fast"));
    const local = inProcessFetch(app);

    const controller = new AbortController();
    const call = local("http://local/slow", { signal: controller.signal });
    controller.abort(new Error("timed out"));
    await expect(call).rejects.toThrow("timed out");
    release();

    await expect(local("http://local/fast", { signal: controller.signal })).rejects.toThrow("timed out");
    const answered = await local("http://local/fast", { signal: new AbortController().signal });
    expect(await answered.text()).toBe("fast");
  });
});
