import { stat } from 'node:fs/promises';
import type { Trace, TraceFormat } from '../../tables/index.js';
import { InputError, openBytes, readHead, detectCompression, sniffBytes } from '../open.js';
import { ctraceDataOffset, inflateCtrace } from './ctrace.js';
import type { IngestOptions } from '../registry.js';
import { splitByteLines, splitLines } from './lineSplitter.js';
import { SystraceHtmlFilter } from './systraceHtml.js';
import { TextTraceParser } from './textParser.js';
import { reusedFileChunks } from './fileChunks.js';

// Streaming entry point shared by the four text readers: bytes -> lines -> (HTML filter) -> tables.

export async function readTextTrace(path: string, format: TraceFormat, opts: IngestOptions = {}): Promise<Trace> {
  const parser = new TextTraceParser(path, format, opts);
  // systrace HTML goes through the string filter; the other formats are parsed from bytes.
  const html = format === 'systrace-html' ? new SystraceHtmlFilter(parser) : null;
  const plain = detectCompression(await readHead(path, 4)) === 'none';
  let total = plain ? (await stat(path)).size : null;
  let bytes: AsyncIterable<Uint8Array> = plain && !html ? reusedFileChunks(path) : openBytes(path);
  const zAt = format === 'atrace' ? ctraceDataOffset(await sniffBytes(path, 512)) : -1;
  if (zAt >= 0) {
    bytes = inflateCtrace(bytes, zAt, path);
    total = null;
  }
  let stats;
  try {
    const onBytes = (n: number) => {
      parser.progress(n, total);
      opts.onProgress?.(n, total);
    };
    stats = html ? await splitLines(bytes, html, onBytes) : await splitByteLines(bytes, parser, onBytes);
  } catch (e) {
    if (zAt >= 0 && !(e instanceof InputError)) throw new InputError(path, (e as Error).message.replace(`${path}: `, ''));
    throw e;
  }
  for (const o of stats.overlong) parser.overlong(o.line, o.preview);
  if (html) {
    if (html.textBlocks === 0) {
      throw new InputError(path, `systrace HTML has no text trace data (${html.blocks} trace-data block(s), ${html.jsonBlocks} JSON)`);
    }
    parser.formatDetail = html.legacy ? 'systrace html (legacy linuxPerfData)' : `systrace html (${html.blocks} trace-data block(s), ${html.textBlocks} text)`;
  } else if (format === 'trace-cmd-report') {
    parser.formatDetail = 'trace-cmd report';
  } else if (format === 'atrace') parser.formatDetail = zAt >= 0 ? 'android atrace (zlib-compressed ctrace)' : 'android atrace text';
  else parser.formatDetail = 'ftrace text';
  return parser.finish();
}
