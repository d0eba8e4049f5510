// Phones: the navigation and quick actions fold behind a Menu button (CSS shows it under 640 px).
export function watchMenu(root: Document): void {
  const toggle = root.querySelector<HTMLButtonElement>("[data-menu-toggle]");
  const nav = toggle?.closest<HTMLElement>(".nav");
  if (!toggle || !nav) return;
  const set = (open: boolean) => {
    toggle.setAttribute("aria-expanded", String(open));
    if (open) nav.dataset.open = "";
    else delete nav.dataset.open;
  };
  toggle.addEventListener("click", () => set(nav.dataset.open === undefined));
  // A quick action opened from the menu folds it away again.
  root.addEventListener("click", (event) => {
    if ((event.target as Element | null)?.closest?.(".quick a")) set(false);
  });
}
