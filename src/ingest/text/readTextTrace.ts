import { stat } from 'node:fs/promises';
import type { Trace, TraceFormat } from '../../tables/index.js';
import { InputError, openBytes, readHead, detectCompression } from '../open.js';
import type { IngestOptions } from '../registry.js';
import { splitLines, type LineSink } from './lineSplitter.js';
import { SystraceHtmlFilter } from './systraceHtml.js';
import { TextTraceParser } from './textParser.js';

// Streaming entry point shared by the four text readers: bytes -> lines -> (HTML filter) -> tables.

export async function readTextTrace(path: string, format: TraceFormat, opts: IngestOptions = {}): Promise<Trace> {
  const parser = new TextTraceParser(path, format, opts);
  let sink: LineSink = parser;
  let html: SystraceHtmlFilter | null = null;
  if (format === 'systrace-html') sink = html = new SystraceHtmlFilter(parser);
  const total = detectCompression(await readHead(path, 4)) === 'none' ? (await stat(path)).size : null;
  const stats = await splitLines(openBytes(path), sink, opts.onProgress ? (n) => opts.onProgress!(n, total) : undefined);
  for (const o of stats.overlong) parser.overlong(o.line, o.preview);
  if (html) {
    if (html.textBlocks === 0) {
      throw new InputError(path, `systrace HTML has no text trace data (${html.blocks} trace-data block(s), ${html.jsonBlocks} JSON)`);
    }
    parser.formatDetail = html.legacy ? 'systrace html (legacy linuxPerfData)' : `systrace html (${html.blocks} trace-data block(s), ${html.textBlocks} text)`;
  } else if (format === 'trace-cmd-report') {
    parser.formatDetail = 'trace-cmd report';
  } else if (format === 'atrace') parser.formatDetail = 'android atrace text';
  else parser.formatDetail = 'ftrace text';
  return parser.finish();
}
