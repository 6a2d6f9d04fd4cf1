// Small DOM helpers.
export const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing from the page`);
  return el as T;
};

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

export const timeOfDay = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

/** Marks a panel stale (dimmed, labelled) or fresh. */
export function setStale(panel: HTMLElement, stale: boolean): void {
  panel.classList.toggle('stale', stale);
  panel.dataset.stale = String(stale);
}
