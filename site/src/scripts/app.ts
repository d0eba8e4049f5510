import "htmx.org";
import { watchConfirmations } from "./confirm";
import { watchLiveRegions } from "./live-regions";
import { watchLogs } from "./log-buffer";
import { watchMenu } from "./menu";
import { tickRelativeTimes } from "./relative-times";
import { tickTimeLeft } from "./time-left";

// Progressive enhancement only: every page reads fine without this script.
document.documentElement.classList.add("js");
watchMenu(document);
watchConfirmations(window);
watchLogs(document);
watchLiveRegions(document);
tickTimeLeft(document);
tickRelativeTimes(document);

document.addEventListener("keydown", (event) => {
  // Escape closes an open quick-action form.
  if (event.key !== "Escape") return;
  const panel = document.getElementById("quick-panel");
  if (panel?.firstElementChild) {
    panel.replaceChildren();
    document.querySelector<HTMLElement>(".quick a")?.focus();
  }
});
