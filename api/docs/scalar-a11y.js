// Accessibility repairs for Scalar's API reference (its Vue markup fails axe-core in a few places),
// applied after every render: buttons marked aria-selected become aria-current, tab lists get tab
// roles, the search button is a button again, icon-only buttons get names, and aria-labels include
// their visible text (WCAG 2.5.3).
(() => {
  const repair = (root) => {
    for (const el of root.querySelectorAll("button[aria-selected]:not([role])")) {
      if (el.getAttribute("aria-selected") === "true") el.setAttribute("aria-current", "page");
      el.removeAttribute("aria-selected");
    }
    for (const el of root.querySelectorAll("[role=tablist] button:not([role=tab])"))
      el.setAttribute("role", "tab");
    // Icon-only buttons Scalar leaves without a name (axe button-name, critical): copy and the colour toggle.
    for (const el of root.querySelectorAll("button.code-copy, button.scalar-code-copy")) {
      if (!el.hasAttribute("aria-label")) el.setAttribute("aria-label", "Copy code");
    }
    for (const el of root.querySelectorAll("button[aria-pressed]")) {
      if (!el.hasAttribute("aria-label") && !(el.textContent || "").trim())
        el.setAttribute("aria-label", "Dark mode");
    }
    // role=search makes the button a landmark, which takes no name from its (screen-reader) text.
    for (const el of root.querySelectorAll("button[role=search]")) el.removeAttribute("role");
    for (const el of root.querySelectorAll("[aria-label]")) {
      const label = el.getAttribute("aria-label") || "";
      const visible = (el.textContent || "").replace(/\s+/g, " ").trim();
      if (visible && visible.length < 60 && !label.toLowerCase().includes(visible.toLowerCase())) {
        el.setAttribute("aria-label", `${visible}: ${label}`);
      }
    }
  };
  let queued = false;
  const schedule = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      repair(document);
    });
  };
  new MutationObserver(schedule).observe(document.documentElement, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ["aria-selected", "aria-label", "role"],
  });
  schedule();
})();
