// Task tables listen for `task` SSE events (data = one <tr id="row-…">): an existing row is replaced in
// place; a new task is added on top when the table shows the newest page (data-prepend).
export function watchLiveRows(root: Document): void {
  for (const body of root.querySelectorAll<HTMLElement>("[data-live-rows]")) {
    const source = body.closest<HTMLElement>("[hx-sse\\:connect]") ?? body;
    const limit = Number(body.dataset.limit ?? "50");
    source.addEventListener("task", (event) => {
      const data = (event as CustomEvent<{ data?: string }>).detail?.data;
      if (!data) return;
      const template = document.createElement("template");
      template.innerHTML = data.trim();
      const row = template.content.firstElementChild;
      if (!(row instanceof HTMLTableRowElement) || !row.id) return;
      const existing = document.getElementById(row.id);
      if (existing) {
        existing.replaceWith(row);
      } else if (body.dataset.prepend !== undefined && row.dataset.match === "1") {
        body.querySelector(".empty-row")?.remove();
        body.prepend(row);
        while (body.children.length > limit) body.lastElementChild?.remove();
      }
    });
  }
}
