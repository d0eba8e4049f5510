import { describe, expect, it } from "vitest";
import { createOwnHeads } from "./own-heads";

const job = (nonce: string | undefined, attemptsStarted: number) => ({ data: { nonce }, attemptsStarted });

describe("own head jobs", () => {
  it("vouch for the first delivery of a job added with our nonce, once", () => {
    const own = createOwnHeads();
    const nonce = own.issue();
    expect(own.claim(job(nonce, 1))).toBe(true);
    expect(own.claim(job(nonce, 1))).toBe(false);
  });

  it("do not vouch for a redelivery, a job without our nonce, or a dropped or forgotten nonce", () => {
    const own = createOwnHeads(2);
    const redelivered = own.issue();
    expect(own.claim(job(redelivered, 2))).toBe(false);
    expect(own.claim(job(undefined, 1))).toBe(false);
    expect(own.claim(job("someone-else.1", 1))).toBe(false);
    const dropped = own.issue();
    own.drop(dropped);
    expect(own.claim(job(dropped, 1))).toBe(false);
    const cleared = own.issue();
    own.clear();
    expect(own.claim(job(cleared, 1))).toBe(false);
    // Past the limit the oldest are forgotten (the check runs for them), never wrongly kept.
    const first = own.issue();
    own.issue();
    own.issue();
    expect(own.claim(job(first, 1))).toBe(false);
  });

  it("issue a different nonce every time, also across instances", () => {
    const a = createOwnHeads();
    const b = createOwnHeads();
    const nonces = new Set([a.issue(), a.issue(), b.issue(), b.issue()]);
    expect(nonces.size).toBe(4);
  });
});
