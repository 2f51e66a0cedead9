import type { LineSink } from './lineSplitter.js';
import { find } from './scan.js';

// Pulls the ftrace text out of systrace HTML while streaming (formats.md §1.7): modern
// `<script class="trace-data">` blocks (text or JSON: only text blocks are parsed) and the legacy
// `var linuxPerfData = "\` string whose lines end in `\n\`.

type State = 'outside' | 'block-start' | 'text' | 'json' | 'legacy';

export class SystraceHtmlFilter implements LineSink {
  private state: State = 'outside';
  blocks = 0;
  textBlocks = 0;
  jsonBlocks = 0;
  legacy = false;

  constructor(private readonly inner: LineSink) {}

  line(s: string, a: number, e: number, lineNo: number, last: boolean): void {
    switch (this.state) {
      case 'outside': {
        const tag = find(s, 'class="trace-data"', a, e);
        if (tag >= 0) {
          this.blocks++;
          this.state = 'block-start';
          const gt = find(s, '>', tag, e);
          if (gt >= 0 && gt + 1 < e) this.line(s, gt + 1, e, lineNo, last);
          return;
        }
        const v = find(s, 'linuxPerfData', a, e);
        if (v >= 0) {
          const q = find(s, '"', v, e);
          if (q >= 0) {
            this.legacy = true;
            this.blocks++;
            this.textBlocks++;
            this.state = 'legacy';
            if (q + 1 < e) this.line(s, q + 1, e, lineNo, last);
          }
        }
        return;
      }
      case 'block-start': {
        let p = a;
        while (p < e && (s.charCodeAt(p) === 32 || s.charCodeAt(p) === 9 || s.charCodeAt(p) === 13)) p++;
        if (p === e) return;
        const c = s.charCodeAt(p);
        this.state = c === 123 /* { */ || c === 91 /* [ */ ? 'json' : 'text';
        if (this.state === 'json') this.jsonBlocks++;
        else this.textBlocks++;
        this.line(s, a, e, lineNo, last);
        return;
      }
      case 'json': {
        if (find(s, '</script>', a, e) >= 0) this.state = 'outside';
        return;
      }
      case 'text': {
        const end = find(s, '</script>', a, e);
        if (end >= 0) {
          this.state = 'outside';
          if (end > a) this.inner.line(s, a, end, lineNo, last);
          return;
        }
        this.inner.line(s, a, e, lineNo, last);
        return;
      }
      case 'legacy': {
        let end = e;
        while (end > a && (s.charCodeAt(end - 1) === 13 || s.charCodeAt(end - 1) === 32)) end--;
        const close = find(s, '</script>', a, e);
        if (close >= 0) {
          this.state = 'outside';
          end = close;
        } else if (s.endsWith('";', end) ) {
          this.state = 'outside';
          end -= 2;
        }
        if (s.endsWith('\\n\\', end)) end -= 3;
        else if (s.endsWith('\\', end)) end -= 1;
        else if (s.endsWith('\\n', end)) end -= 2;
        if (end > a) {
          if (find(s, '\\', a, end) >= 0) {
            const body = s.slice(a, end);
            const un = body.replace(/\\(.)/g, '$1');
            this.inner.line(un, 0, un.length, lineNo, last);
          } else this.inner.line(s, a, end, lineNo, last);
        }
        return;
      }
    }
  }
}
