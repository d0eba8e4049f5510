import "htmx.org";
import "htmx.org/dist/ext/hx-sse.js";
import { watchLiveRows } from "./live-rows";
import { watchLogs } from "./log-buffer";
import { watchStreams } from "./stream-status";
import { tickTimeLeft } from "./time-left";

// Progressive enhancement only: every page reads fine without this script.
watchLogs(document);
watchLiveRows(document);
watchStreams(document);
tickTimeLeft(document);

document.addEventListener("keydown", (event) => {
  // Escape closes an open quick-action form.
  if (event.key !== "Escape") return;
  const panel = document.getElementById("quick-panel");
  if (panel?.firstElementChild) {
    panel.replaceChildren();
    document.querySelector<HTMLElement>(".quick a")?.focus();
  }
});
