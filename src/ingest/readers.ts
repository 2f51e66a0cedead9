// Registers every format reader. Each reader module calls registerReader() when imported.
export {};
import './text/readers/ftraceText.js';
import './text/readers/traceCmdReport.js';
import './text/readers/atrace.js';
import './text/readers/systraceHtml.js';
import './perfetto/reader.js';
import './dat/index.js';
