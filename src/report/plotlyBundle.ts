import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// plotly.js from node_modules, inlined into pages so they work offline (no CDN).

const require = createRequire(import.meta.url);
let cached: string | null = null;

export function plotlySource(): string {
  if (cached === null) {
    const src = readFileSync(require.resolve('plotly.js-dist'), 'utf8');
    // Cannot happen with today's bundle, but an inline script must never contain its end tag.
    cached = src.replace(/<\/script/gi, '<\\/script');
  }
  return cached;
}

export function plotlyVersion(): string {
  return (require('plotly.js-dist/package.json') as { version: string }).version;
}
