import { FAILURE_INJECTION_KEYS, type FailureInjection } from "../../contracts/common";

/** The failure-injection fields a parsed body carries, ready to merge into a task payload. */
export function failureInjectionOf(body: FailureInjection): Record<string, unknown> {
  return Object.fromEntries(
    FAILURE_INJECTION_KEYS.filter((k) => body[k] !== undefined).map((k) => [k, body[k]]),
  );
}
