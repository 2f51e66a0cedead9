// vanilla: the vCPU threads keep the class they were given; nothing reacts to guest events.
import type { VcpuPolicy } from './types.js';

export function vanillaPolicy(): VcpuPolicy {
  return { name: 'vanilla', params: {}, paravirt: false };
}
