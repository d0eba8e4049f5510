import { html, SafeHtml } from "./escape";
import { fragment } from "./forms";

/** How a partial lands in the page (src/scripts/live-regions.ts applies them). */
export type Swap = "inner" | "outer" | "append" | "rows" | "sync";

/**
 * One piece of a live refresh: HTML for the element `target` (a CSS selector), inside a <template> so
 * the browser parses it inertly. "rows" replaces table rows by id or adds new matching ones on top.
 */
export function partial(target: string, swap: Swap, content: SafeHtml | string): SafeHtml {
  const body = typeof content === "string" ? new SafeHtml(content) : content;
  return html`<template data-target="${target}" data-swap="${swap}">${body}</template>`;
}

/** The answer of a live refresh endpoint: partials, never cached. */
export function partialsResponse(parts: SafeHtml[], headers: Record<string, string> = {}): Response {
  const response = fragment(parts.map((p) => p.value).join("\n"));
  response.headers.set("cache-control", "no-store");
  for (const [k, v] of Object.entries(headers)) response.headers.set(k, v);
  return response;
}
