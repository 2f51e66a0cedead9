import { routeEvent } from '../../tables/index.js';
import type { EventFormat } from './formatFile.js';
import { EventKit, type BuiltDecoder, type DecodeContext } from './eventKit.js';
import { schedMigrate, schedProcess, schedSwitch, schedWakeup } from './decodeSched.js';
import { hrtimer, irq } from './decodeIrqTimer.js';
import { kvm } from './decodeKvm.js';
import { generic, markers } from './decodeMarkers.js';

export type { BuiltDecoder, DecodeContext, Decoder } from './eventKit.js';

// Event name -> the decoder writing its table's row (routing shared with the text readers).

/** Build the decoder for one event type. */
export function buildDecoder(ev: EventFormat, ctx: DecodeContext): BuiltDecoder {
  const kit = new EventKit(ev, ctx);
  const route = routeEvent(ev.name);
  let decode: BuiltDecoder['decode'];
  switch (route.table) {
    case 'sched_switch':
      decode = schedSwitch(kit);
      break;
    case 'sched_wakeup':
      decode = schedWakeup(kit, route.kind);
      break;
    case 'sched_migrate':
      decode = schedMigrate(kit);
      break;
    case 'sched_process':
      decode = schedProcess(kit, route.kind);
      break;
    case 'irq':
      decode = irq(kit, route.kind, route.vectorName);
      break;
    case 'hrtimer':
      decode = hrtimer(kit, route.kind);
      break;
    case 'kvm':
      decode = kvm(kit, route.kind);
      break;
    case 'markers':
      decode = markers(kit, route.kind);
      break;
    default:
      decode = generic(kit);
  }
  return { decode, problem: kit.problem, minLen: kit.minLen, name: ev.name };
}

