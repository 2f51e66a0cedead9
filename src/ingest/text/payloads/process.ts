import { ProcessKind } from '../../../tables/index.js';
import { intAt, intKey, keyAt, scan, trimEnd } from '../scan.js';
import { commonRow, type PayloadParser } from './common.js';

// sched_process_* and task_* lifecycle events (include/trace/events/{sched,task}.h).

export const parseProcess: PayloadParser = (m, ev, s, a, e, kind) => {
  const t = m.b.sched_process;
  const i = commonRow(t, m, ev);
  const c = t.c;
  c.kind[i] = kind;
  c.prio[i] = -1;
  c.childComm[i] = -1;
  c.childTid[i] = -1;
  e = trimEnd(s, a, e);
  switch (kind) {
    case ProcessKind.FORK: {
      // comm=%s pid=%d child_comm=%s child_pid=%d
      const pidAt = keyAt(s, 'pid=', a, e);
      const ca = keyAt(s, 'comm=', a, e);
      const cc = keyAt(s, 'child_comm=', pidAt, e);
      const cp = keyAt(s, 'child_pid=', cc, e);
      if (pidAt < 0 || ca < 0 || cc < 0 || cp < 0) return false;
      const tid = intAt(s, pidAt, e);
      const child = intAt(s, cp, e);
      if (Number.isNaN(tid) || Number.isNaN(child)) return false;
      c.tid[i] = tid;
      c.comm[i] = m.intern(s, ca, pidAt - 5);
      c.childTid[i] = child;
      c.childComm[i] = m.intern(s, cc, cp - 11);
      m.thread(tid, c.comm[i]!, ev.tsNs);
      m.thread(child, c.childComm[i]!, ev.tsNs);
      return true;
    }
    case ProcessKind.EXEC: {
      // filename=%s pid=%d old_pid=%d
      const fa = keyAt(s, 'filename=', a, e);
      const pidAt = keyAt(s, 'pid=', fa, e);
      if (fa < 0 || pidAt < 0) return false;
      const tid = intAt(s, pidAt, e);
      if (Number.isNaN(tid)) return false;
      c.tid[i] = tid;
      c.comm[i] = m.intern(s, fa, pidAt - 5);
      return true;
    }
    case ProcessKind.NEWTASK:
    case ProcessKind.RENAME: {
      // newtask: pid=%d comm=%s clone_flags=%lx oom_score_adj=%hd
      // rename:  pid=%d oldcomm=%s newcomm=%s oom_score_adj=%hd
      const tid = intKey(s, 'pid=', a, e);
      if (tid < 0) return false;
      c.tid[i] = tid;
      if (kind === ProcessKind.NEWTASK) {
        const ca = keyAt(s, 'comm=', a, e);
        const end = keyAt(s, 'clone_flags=', ca, e);
        if (ca < 0) return false;
        c.comm[i] = m.intern(s, ca, end < 0 ? e : end - 13);
        m.thread(tid, c.comm[i]!, ev.tsNs);
      } else {
        const oa = keyAt(s, 'oldcomm=', a, e);
        const na = keyAt(s, 'newcomm=', oa, e);
        if (oa < 0 || na < 0) return false;
        const end = keyAt(s, 'oom_score_adj=', na, e);
        c.comm[i] = m.intern(s, oa, na - 9);
        c.childComm[i] = m.intern(s, na, end < 0 ? e : end - 15);
        c.childTid[i] = tid;
        m.thread(tid, c.childComm[i]!, ev.tsNs);
      }
      return true;
    }
    default: {
      // exit / free / wait: comm=%s pid=%d prio=%d
      const pidAt = keyAt(s, 'pid=', a, e);
      const ca = keyAt(s, 'comm=', a, e);
      if (pidAt < 0 || ca < 0 || ca > pidAt) return false;
      const tid = intAt(s, pidAt, e);
      if (Number.isNaN(tid)) return false;
      c.tid[i] = tid;
      c.comm[i] = m.intern(s, ca, pidAt - 5);
      c.prio[i] = intKey(s, 'prio=', scan.pos, e);
      m.thread(tid, c.comm[i]!, ev.tsNs);
      return true;
    }
  }
};
