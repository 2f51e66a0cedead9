import { compareTables, formatCell, type TableModel } from './compareTables.js';
import type { CompareResult } from './compareTypes.js';

// Terminal and Markdown renderings of the comparison tables.

/** Control characters from trace-derived strings would move the cursor or recolour a terminal. */
function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function renderTableText(t: TableModel): string {
  const cells = t.rows.map((r) => r.map((c) => printable(formatCell(c))));
  const widths = t.columns.map((c, j) => Math.max(c.label.length, ...cells.map((r) => r[j]!.length)));
  // Group labels span their columns; widen the last column of a group if the label does not fit.
  const groups: Array<{ label: string; from: number; to: number }> = [];
  t.columns.forEach((c, j) => {
    const g = groups[groups.length - 1];
    if (c.group && g && g.label === c.group && g.to === j - 1) g.to = j;
    else if (c.group) groups.push({ label: c.group, from: j, to: j });
  });
  for (const g of groups) {
    const span = widths.slice(g.from, g.to + 1).reduce((a, b) => a + b, 0) + 2 * (g.to - g.from);
    if (span < g.label.length) widths[g.to] = widths[g.to]! + g.label.length - span;
  }
  const pad = (s: string, j: number) => (t.columns[j]!.align === 'right' ? s.padStart(widths[j]!) : s.padEnd(widths[j]!));
  const sep = (j: number) => (j > 0 && t.columns[j]!.group && t.columns[j]!.group !== t.columns[j - 1]!.group ? ' | ' : '  ');
  const line = (parts: string[]) => parts.map((p, j) => (j === 0 ? p : sep(j) + p)).join('').trimEnd();
  const out = [t.title, ''];
  if (groups.length) {
    const parts = t.columns.map((_, j) => ' '.repeat(widths[j]!));
    for (const g of groups) {
      const span = widths.slice(g.from, g.to + 1).reduce((a, b) => a + b, 0) + 2 * (g.to - g.from);
      const label = g.label.padStart(Math.floor((span + g.label.length) / 2)).padEnd(span);
      parts[g.from] = label;
      for (let j = g.from + 1; j <= g.to; j++) parts[j] = '';
    }
    out.push(parts.map((p, j) => (j === 0 ? p : p === '' ? '' : sep(j) + p)).join('').trimEnd());
  }
  out.push(line(t.columns.map((c, j) => pad(c.label, j))));
  out.push(line(t.columns.map((_, j) => '-'.repeat(widths[j]!))));
  for (const r of cells) out.push(line(r.map((c, j) => pad(c, j))));
  for (const n of t.notes) out.push(`  ${n}`);
  return out.join('\n') + '\n';
}

export function renderCompareText(result: CompareResult): string {
  const parts = compareTables(result).map(renderTableText);
  if (result.warnings.length) parts.push('Warnings\n' + result.warnings.map((w) => `  - ${printable(w)}`).join('\n') + '\n');
  return parts.join('\n');
}

function mdEscape(s: string): string {
  return printable(s).replace(/[\\|`*_[\]<>&]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : `\\${c}`));
}

export function renderTableMarkdown(t: TableModel): string {
  const head = t.columns.map((c) => mdEscape(c.group ? `${c.group} ${c.label}` : c.label));
  const out = [`### ${mdEscape(t.title)}`, '', `| ${head.join(' | ')} |`, `|${t.columns.map((c) => (c.align === 'right' ? '---:' : '---')).join('|')}|`];
  for (const r of t.rows) out.push(`| ${r.map((c) => mdEscape(formatCell(c))).join(' | ')} |`);
  out.push('');
  for (const n of t.notes) out.push(`${mdEscape(n)}  `);
  return out.join('\n') + '\n';
}

export function renderCompareMarkdown(result: CompareResult): string {
  const parts = compareTables(result).map(renderTableMarkdown);
  if (result.warnings.length) parts.push('### Warnings\n\n' + result.warnings.map((w) => `- ${mdEscape(w)}`).join('\n') + '\n');
  return parts.join('\n');
}
