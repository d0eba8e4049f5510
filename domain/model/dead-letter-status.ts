/** Where a dead letter stands: waiting for a person, retried as a new attempt, or skipped for good. */
export const DEAD_LETTER_STATUSES = ["open", "retried", "skipped"] as const;
export type DeadLetterStatus = (typeof DEAD_LETTER_STATUSES)[number];
