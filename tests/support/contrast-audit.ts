/** One text element whose contrast is below the WCAG AA minimum for its size. */
export interface ContrastOffender {
  selector: string;
  text: string;
  color: string;
  background: string;
  ratio: number;
  required: number;
}

/**
 * Runs INSIDE the page (pass it to page.evaluate, so it must not use anything from this module's
 * scope). For every visible element with its own text (and every visible form field), composites
 * the backgrounds of its ancestors over the page backdrop, composites the text colour over that,
 * and returns those below WCAG 2.x AA: 4.5 for normal text, 3 for large text (≥ 24px, or ≥ 18.66px
 * bold).
 *
 * Approximations, on purpose (the result is a worst case over them, not a pixel readout):
 * - backdrop-filter blur is ignored: the blur only mixes what is behind, it does not change the
 *   panel's own fill, which is what decides readability here;
 * - a background-image gradient counts as its FIRST colour stop laid over the element's
 *   background-color (the glass panels' specular shine is strongest there);
 * - the page backdrop is the body's background-color, AND each of its gradients' first stop over it
 *   (the coloured glows): text is checked against each and the lowest ratio counts, since a panel
 *   can sit over either;
 * - an ancestor's opacity scales the text alpha only; disabled controls are skipped (WCAG exempts
 *   inactive components), so are off-screen elements such as the skip link until it is focused.
 */
export function auditContrast(): ContrastOffender[] {
  type Rgba = [number, number, number, number];
  const canvas = document.createElement("canvas");
  canvas.width = 1;
  canvas.height = 1;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });

  const parse = (value: string): Rgba => {
    const m = value.match(/^rgba?\(([^)]+)\)$/);
    if (m?.[1]) {
      const parts = m[1]
        .split(/[\s,/]+/)
        .filter(Boolean)
        .map(Number);
      return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0, parts[3] ?? 1];
    }
    // Any other syntax (color(), oklch(), …): let the canvas paint it and read the pixel back.
    if (!ctx) throw new Error(`cannot parse colour ${value}`);
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = value;
    ctx.fillRect(0, 0, 1, 1);
    const [r = 0, g = 0, b = 0, a = 0] = ctx.getImageData(0, 0, 1, 1).data;
    return [r, g, b, a / 255];
  };
  const over = (top: Rgba, bottom: Rgba): Rgba => {
    const a = top[3] + bottom[3] * (1 - top[3]);
    if (a === 0) return [0, 0, 0, 0];
    const mix = (i: 0 | 1 | 2) => (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / a;
    return [mix(0), mix(1), mix(2), a];
  };
  const luminance = ([r, g, b]: Rgba) => {
    const lin = (c: number) => {
      const s = c / 255;
      return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const ratio = (a: Rgba, b: Rgba) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
    return (hi + 0.05) / (lo + 0.05);
  };
  const show = (c: Rgba) => `rgba(${c.map((v, i) => (i < 3 ? Math.round(v) : +v.toFixed(2))).join(", ")})`;
  const firstStops = (image: string): Rgba[] =>
    [...image.matchAll(/gradient\(/g)].flatMap((g) => {
      const rest = image.slice((g.index ?? 0) + g[0].length);
      const stop = rest.match(/(?:rgba?|color|oklch|oklab|lab|lch|hsla?)\([^)]*\)/);
      return stop ? [parse(stop[0])] : [];
    });
  const fill = (el: Element): Rgba => {
    const style = getComputedStyle(el);
    const base = parse(style.backgroundColor);
    const stop = firstStops(style.backgroundImage)[0];
    return stop ? over(stop, base) : base;
  };

  const white: Rgba = [255, 255, 255, 1];
  const bodyStyle = getComputedStyle(document.body);
  const bodyBase = over(
    parse(bodyStyle.backgroundColor),
    over(parse(getComputedStyle(document.documentElement).backgroundColor), white),
  );
  const backdrops = [bodyBase, ...firstStops(bodyStyle.backgroundImage).map((s) => over(s, bodyBase))];

  const selectorOf = (el: Element) => {
    const one = (e: Element) =>
      e.tagName.toLowerCase() + (e.id ? `#${e.id}` : "") + [...e.classList].map((c) => `.${c}`).join("");
    return el.parentElement && el.parentElement !== document.body
      ? `${one(el.parentElement)} > ${one(el)}`
      : one(el);
  };
  const isField = (el: Element) =>
    (el instanceof HTMLInputElement &&
      !["hidden", "checkbox", "radio", "range", "color"].includes(el.type)) ||
    el instanceof HTMLSelectElement ||
    el instanceof HTMLTextAreaElement;
  const ownText = (el: Element) =>
    isField(el)
      ? ((el as HTMLInputElement).value ?? "")
      : [...el.childNodes]
          .filter((n) => n.nodeType === Node.TEXT_NODE)
          .map((n) => n.textContent ?? "")
          .join("")
          .trim();

  const offenders: ContrastOffender[] = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (["SCRIPT", "STYLE", "OPTION", "OPTGROUP", "TEMPLATE", "NOSCRIPT"].includes(el.tagName)) continue;
    const text = ownText(el).trim();
    if (!text) continue;
    if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue;
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0 || rect.right <= 0 || rect.bottom <= 0) continue;
    if (el.closest(":disabled, [aria-disabled=true]")) continue;

    const chain: Element[] = [];
    let opacity = 1;
    for (let e: Element | null = el; e && e !== document.body; e = e.parentElement) {
      chain.unshift(e);
      opacity *= Number(getComputedStyle(e).opacity);
    }
    const style = getComputedStyle(el);
    const size = Number.parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const required = large ? 3 : 4.5;
    let worst: { ratio: number; color: Rgba; background: Rgba } | null = null;
    for (const backdrop of backdrops) {
      const background = chain.reduce<Rgba>((below, e) => over(fill(e), below), backdrop);
      const raw = parse(style.color);
      const color = over([raw[0], raw[1], raw[2], raw[3] * opacity], background);
      const r = ratio(color, background);
      if (!worst || r < worst.ratio) worst = { ratio: r, color, background };
    }
    if (worst && worst.ratio < required) {
      offenders.push({
        selector: selectorOf(el),
        text: text.slice(0, 40),
        color: show(worst.color),
        background: show(worst.background),
        ratio: Math.round(worst.ratio * 100) / 100,
        required,
      });
    }
  }
  return offenders;
}
