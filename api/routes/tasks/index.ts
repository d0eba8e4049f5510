import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import * as approveTask from "./approve-task";
import * as cancelTask from "./cancel-task";
import * as getTask from "./get-task";
import * as getTaskHistory from "./get-task-history";
import * as getTaskLogs from "./get-task-logs";
import * as getTaskOrigin from "./get-task-origin";
import * as getTaskPlan from "./get-task-plan";
import * as getTaskStreamInfo from "./get-task-stream-info";
import * as listTasks from "./list-tasks";
import * as rejectTask from "./reject-task";
import * as retryTask from "./retry-task";
import * as setTaskOrigin from "./set-task-origin";
import * as streamAllEvents from "./stream-all-events";
import * as streamTaskEvents from "./stream-task-events";

export function registerTaskRoutes(app: ApiApp, kit: RouteKit): void {
  // Static paths before /api/tasks/{id}, so "sse" and "stream" are never read as a task id.
  streamAllEvents.register(app, kit);
  getTaskStreamInfo.register(app, kit);
  listTasks.register(app, kit);
  getTask.register(app, kit);
  getTaskLogs.register(app, kit);
  getTaskHistory.register(app, kit);
  streamTaskEvents.register(app, kit);
  retryTask.register(app, kit);
  cancelTask.register(app, kit);
  approveTask.register(app, kit);
  rejectTask.register(app, kit);
  getTaskPlan.register(app, kit);
  setTaskOrigin.register(app, kit);
  getTaskOrigin.register(app, kit);
}
