/** The most tasks one page of GET /api/tasks returns. */
export const MAX_PAGE_SIZE = 200;

/** The log lines kept per task (older ones are dropped); also the most GET /api/tasks/{id}/logs returns. */
export const MAX_LOG_LINES_PER_TASK = 500;
