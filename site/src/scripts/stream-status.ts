// When a live stream ends without its terminal event (server gone, retries used up), say so and offer
// a refresh link instead of silently showing stale data.
export function watchStreams(root: Document): void {
  root.addEventListener("htmx:sse:close", (event) => {
    const detail = (event as CustomEvent<{ reason?: string }>).detail;
    if (detail?.reason === "message" || detail?.reason === "removed") return;
    const target = event.target as HTMLElement;
    showNotice(target, "Live updates stopped.");
  });
  root.addEventListener("htmx:sse:error", (event) => {
    const target = event.target as HTMLElement;
    const status =
      target.querySelector<HTMLElement>("[data-stream-status]") ??
      root.querySelector<HTMLElement>("[data-stream-status]");
    if (status && !status.querySelector("a")) status.textContent = "Reconnecting…";
  });
  root.addEventListener("htmx:sse:after:connection", () => {
    for (const status of root.querySelectorAll<HTMLElement>("[data-stream-status]")) {
      if (!status.querySelector("a")) status.textContent = "Live";
    }
  });
}

function showNotice(source: HTMLElement, text: string): void {
  const status =
    source.querySelector<HTMLElement>("[data-stream-status]") ??
    document.querySelector<HTMLElement>("[data-stream-status]");
  if (!status) return;
  const link = document.createElement("a");
  link.href = location.pathname + location.search;
  link.textContent = "Refresh";
  status.className = "stream-lost";
  status.replaceChildren(`${text} `, link);
}
