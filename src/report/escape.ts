// Everything derived from a trace (comm names, marker text, scenario names) passes through here
// before it reaches HTML. Chart data goes into the page as JSON inside a <script> element, where
// HTML escaping does not apply: there `<` must become \u003c so "</script>" in a comm cannot end
// the element early.

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** JSON safe to embed in <script type="application/json">: no `<`, `>`, `&` or JS line separators. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Plotly renders a subset of HTML tags in text (names, hover, labels) and decodes entities:
 * escaping turns `<img ...>` back into literal text on screen.
 */
export function plotlyText(s: string): string {
  return escapeHtml(s);
}
