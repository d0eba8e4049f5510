// Live logs: drop lines already shown (a replay after reconnect), keep at most data-cap lines, and
// follow the tail unless the reader scrolled up.
export function watchLogs(root: Document): void {
  for (const list of root.querySelectorAll<HTMLElement>("[data-log-buffer]")) {
    const cap = Number(list.dataset.cap ?? "500");
    let lastSeq = Math.max(
      0,
      ...[...list.querySelectorAll<HTMLElement>("[data-seq]")].map((li) => Number(li.dataset.seq)),
    );
    let follow = true;
    list.addEventListener("scroll", () => {
      follow = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    });
    new MutationObserver((records) => {
      for (const record of records) {
        for (const node of record.addedNodes) {
          if (!(node instanceof HTMLElement)) continue;
          const seq = Number(node.dataset.seq ?? "NaN");
          if (Number.isFinite(seq)) {
            if (seq <= lastSeq) node.remove();
            else lastSeq = seq;
          }
        }
      }
      list.querySelector(".empty")?.remove();
      while (list.children.length > cap) list.firstElementChild?.remove();
      if (follow) list.scrollTop = list.scrollHeight;
    }).observe(list, { childList: true });
    list.scrollTop = list.scrollHeight;
  }
}
