import { describe, expect, it } from "vitest";
import { quickActionForm, toApiCall } from "./quick-actions";

const state = { projects: [], csrf: "c", idempotencyKey: "k", canSubmit: true };

describe("quick-action forms", () => {
  it("sends the failure the person chose: n failures, or for good", () => {
    const times = toApiCall("restart", {
      namespace: "prod",
      name: "api",
      failAt: "connect",
      failMode: "times",
      failTimes: "2",
    });
    expect("body" in times && times.body).toEqual({ failAt: "connect", failTimes: 2 });
    const good = toApiCall("restart", {
      namespace: "prod",
      name: "api",
      failAt: "connect",
      failMode: "permanent",
    });
    expect("body" in good && good.body).toEqual({ failAt: "connect", failPermanently: true });
    const none = toApiCall("restart", { namespace: "prod", name: "api", failTimes: "3" });
    expect("body" in none && none.body).toEqual({});
  });

  it("puts each problem on its field, in words, instead of a box of paths", () => {
    const html = quickActionForm({
      ...state,
      kind: "sandbox",
      values: { ttlMinutes: "2" },
      problem: {
        title: "The request is not valid",
        detail: "ttlMinutes: Too small: expected number to be >=5",
        code: "validation_failed",
        errors: [{ path: "ttlMinutes", message: "Too small: expected number to be >=5" }],
      },
    }).value;
    expect(html).toMatch(/name="ttlMinutes" aria-invalid="true" aria-describedby="qerr-ttlMinutes"/);
    expect(html).toContain(
      '<p class="field-error" id="qerr-ttlMinutes">Choose between 5 and 10080 minutes (a week).</p>',
    );
    expect(html).not.toContain("expected number");
  });

  it("marks missing fields the same way", () => {
    const call = toApiCall("restart", { namespace: "prod" });
    expect("problem" in call).toBe(true);
    const html = quickActionForm({
      ...state,
      kind: "restart",
      values: { namespace: "prod" },
      problem: "problem" in call ? call.problem : null,
    }).value;
    expect(html).toMatch(/name="name" aria-invalid="true"/);
    expect(html).not.toMatch(/name="namespace" aria-invalid/);
  });
});
