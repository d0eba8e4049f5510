import { ago } from "../lib/format";

// "3m ago" labels stay true while the page is open; the exact time is their title (on hover).
export function tickRelativeTimes(root: Document): void {
  const update = () => {
    for (const el of root.querySelectorAll<HTMLTimeElement>("time[data-relative]")) {
      const text = ago(el.dateTime);
      if (el.textContent !== text) el.textContent = text;
    }
  };
  setInterval(update, 15_000);
}
