// Forms and buttons with data-confirm ask before they submit (Cancel, Skip, a prod deploy). Listening
// on window in the capture phase runs before htmx's own submit handling.
export function watchConfirmations(win: Window): void {
  win.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      if (!(form instanceof HTMLFormElement)) return;
      const submitter = (event as SubmitEvent).submitter as HTMLElement | null;
      const chosen = form.querySelector<HTMLOptionElement>("option:checked[data-confirm]");
      const question = submitter?.dataset.confirm ?? form.dataset.confirm ?? chosen?.dataset.confirm;
      if (question && !win.confirm(question)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true,
  );
}
