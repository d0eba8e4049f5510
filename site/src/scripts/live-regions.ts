import { exactTime } from "../lib/format";
import { type LiveEvent, type LiveState, onLiveEvent, onLiveState } from "./live-connection";

// Live regions ([data-live-src]) refresh themselves over short requests when the shared connection
// (live-connection.ts) reports an event that concerns them, and re-sync after a reconnect. The answer
// is a list of <template data-target data-swap> partials (src/lib/partials.ts).

interface Region {
  el: HTMLElement;
  ids: Set<string>;
  environments: boolean;
  timer: number | null;
  busy: boolean;
  again: boolean;
  resync: boolean;
}

const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);
const htmx = () => (window as unknown as { htmx?: { process?: (el: Element) => void } }).htmx;

function concerns(region: Region, event: LiveEvent): boolean {
  const task = region.el.dataset.liveTask;
  if (task) return event.taskId === task;
  return event.data.kind === "status";
}

function urlFor(region: Region): string {
  const url = new URL(region.el.dataset.liveSrc ?? "", location.href);
  if (region.el.dataset.liveTask) {
    const seqs = [...region.el.querySelectorAll<HTMLElement>("#logs [data-seq]")].map((li) =>
      Number(li.dataset.seq),
    );
    url.searchParams.set("after", String(Math.max(Number(region.el.dataset.liveAfter ?? "0"), ...seqs)));
  } else if (region.el.querySelector("[data-live-rows]")) {
    const body = region.el.querySelector<HTMLElement>("[data-live-rows]");
    if (region.resync && body?.dataset.prepend !== undefined) url.searchParams.set("resync", "1");
    else {
      const ids = region.resync
        ? [...(body?.querySelectorAll<HTMLElement>("tr[id^=row-]") ?? [])].map((tr) => tr.id.slice(4))
        : [...region.ids];
      if (ids.length) url.searchParams.set("ids", ids.slice(0, 50).join(","));
    }
    if (region.environments) url.searchParams.set("environments", "1");
  }
  region.ids.clear();
  region.environments = false;
  region.resync = false;
  return url.toString();
}

function placeRows(body: HTMLElement, rows: DocumentFragment): void {
  const limit = Number(body.dataset.limit ?? "50");
  for (const row of [...rows.children].reverse()) {
    if (!(row instanceof HTMLTableRowElement) || !row.id) continue;
    const existing = document.getElementById(row.id);
    if (existing) existing.replaceWith(row);
    else if (body.dataset.prepend !== undefined && row.dataset.match === "1") {
      body.querySelector(".empty-row")?.remove();
      body.prepend(row);
    }
  }
  while (body.children.length > limit) body.lastElementChild?.remove();
}

function syncItems(target: HTMLElement, incoming: DocumentFragment): void {
  const wanted = [...incoming.children].filter((c): c is HTMLElement => c instanceof HTMLElement && !!c.id);
  const keep = new Set(wanted.map((c) => c.id));
  for (const old of target.querySelectorAll<HTMLElement>(":scope > [data-sync-item]")) {
    if (!keep.has(old.id)) old.remove();
  }
  let previous: Element | null = null;
  for (const item of wanted) {
    const existing = document.getElementById(item.id);
    const node = existing ?? item;
    if (!existing) {
      if (previous) previous.after(node);
      else target.prepend(node);
    }
    previous = node;
  }
}

function apply(markup: string): void {
  const holder = document.createElement("template");
  holder.innerHTML = markup;
  for (const part of holder.content.querySelectorAll<HTMLTemplateElement>("template[data-target]")) {
    const target = document.querySelector<HTMLElement>(part.dataset.target ?? "");
    if (!target) continue;
    const content = part.content;
    switch (part.dataset.swap) {
      case "outer": {
        const first = content.firstElementChild;
        target.replaceWith(content);
        if (first) htmx()?.process?.(first);
        continue;
      }
      case "append":
        target.append(content);
        break;
      case "rows":
        placeRows(target, content);
        break;
      case "sync":
        syncItems(target, content);
        break;
      default:
        target.replaceChildren(content);
    }
    htmx()?.process?.(target);
  }
}

async function refresh(region: Region): Promise<void> {
  if (region.busy) {
    region.again = true;
    return;
  }
  region.busy = true;
  try {
    const response = await fetch(urlFor(region), {
      headers: { accept: "text/html" },
      credentials: "same-origin",
    });
    if (response.ok) {
      if (region.el.dataset.liveTask) {
        if (response.headers.get("x-task-finished") === "1") region.el.dataset.finished = "1";
        else delete region.el.dataset.finished;
      }
      apply(await response.text());
      region.el.dataset.refreshed = String(Date.now());
      renderStatus();
    }
  } catch {
    region.resync = true; // The next event or reconnect tries again.
  } finally {
    region.busy = false;
    if (region.again) {
      region.again = false;
      schedule(region);
    }
  }
}

function schedule(region: Region, delay = 120): void {
  if (region.timer !== null) return;
  region.timer = window.setTimeout(() => {
    region.timer = null;
    void refresh(region);
  }, delay);
}

let currentState: LiveState = "connecting";
let currentSince = Date.now();

function renderStatus(): void {
  const finished = document.querySelector<HTMLElement>("[data-live-task][data-finished]") !== null;
  document.documentElement.dataset.live = currentState === "reconnecting" ? "stale" : currentState;
  for (const status of document.querySelectorAll<HTMLElement>("[data-stream-status]")) {
    status.classList.toggle("stream-lost", currentState === "reconnecting");
    if (currentState === "reconnecting") {
      status.textContent = `Reconnecting… shown as of ${exactTime(new Date(currentSince).toISOString()).slice(11)}; it may be out of date.`;
    } else status.textContent = finished ? "Finished" : currentState === "live" ? "Live" : "Connecting…";
  }
}

/** Wires every live region of the page to the shared connection. */
export function watchLiveRegions(root: Document): void {
  const regions: Region[] = [...root.querySelectorAll<HTMLElement>("[data-live-src]")].map((el) => ({
    el,
    ids: new Set(),
    environments: false,
    timer: null,
    busy: false,
    again: false,
    resync: false,
  }));
  if (regions.length === 0) return;
  let wasLive = false;
  onLiveState((state, since) => {
    currentState = state;
    currentSince = since;
    renderStatus();
    // Coming (back) to live: fetch what the page may have missed before or while disconnected.
    if (state === "live" && !wasLive) {
      for (const region of regions) {
        region.resync = true;
        schedule(region, 0);
      }
    }
    wasLive = state === "live";
  });
  onLiveEvent((event) => {
    for (const region of regions) {
      if (!concerns(region, event)) continue;
      region.ids.add(event.taskId);
      if (event.task.type.startsWith("sandbox.") && TERMINAL.has(event.task.status))
        region.environments = true;
      schedule(region);
    }
  });
}
