// Sandbox "time left" labels count down locally (no network); the server renders the first value.
export function tickTimeLeft(root: Document): void {
  const update = () => {
    for (const el of root.querySelectorAll<HTMLElement>("[data-expires]")) {
      const ms = Date.parse(el.dataset.expires ?? "") - Date.now();
      if (!Number.isFinite(ms)) continue;
      if (ms <= 0) el.textContent = "expired";
      else {
        const m = Math.floor(ms / 60_000);
        el.textContent =
          m >= 60
            ? `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m left`
            : `${m}m ${String(Math.floor(ms / 1000) % 60).padStart(2, "0")}s left`;
      }
    }
  };
  update();
  setInterval(update, 1000);
}
