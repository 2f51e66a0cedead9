// Policy registry: built-in names and user policies loaded from a .ts/.js file.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { vanillaPolicy } from './vanilla.js';
import { staticPolicy, crosvmRtPolicy } from './static.js';
import { dynamicPolicy } from './dynamic.js';
import { dynamicV3Policy } from './dynamicV3.js';
import type { VcpuPolicy } from './types.js';

export const BUILTIN_POLICIES = ['vanilla', 'static', 'dynamic', 'dynamic-v3', 'crosvm-rt'] as const;

export class PolicyError extends Error {
  readonly userError = true;
}

/** A built-in policy by name, with its parameters (see each policy file). */
export function builtinPolicy(name: string, params: Record<string, unknown> = {}): VcpuPolicy {
  switch (name) {
    case 'vanilla':
      return vanillaPolicy();
    case 'static':
      return staticPolicy(params);
    case 'crosvm-rt':
      return crosvmRtPolicy(params['vcpus'] as number[] | undefined);
    case 'dynamic':
      return dynamicPolicy(params);
    case 'dynamic-v3':
      return dynamicV3Policy(params);
    default:
      throw new PolicyError(`unknown policy "${name}" (built-in: ${BUILTIN_POLICIES.join(', ')}; or a path to a .ts/.js policy module)`);
  }
}

const isPath = (s: string) => /[\\/]/.test(s) || /\.(m?[jt]s)$/.test(s);

/**
 * Resolve a policy name or module path. A module exports `default` or `policy`: a VcpuPolicy or a
 * factory `(params) => VcpuPolicy`.
 */
export async function loadPolicy(nameOrPath: string, params: Record<string, unknown> = {}): Promise<VcpuPolicy> {
  if (!isPath(nameOrPath)) return builtinPolicy(nameOrPath, params);
  const file = resolve(nameOrPath);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    throw new PolicyError(`${file}: cannot load policy module (${(e as Error).message})`);
  }
  const exp = mod['default'] ?? mod['policy'];
  const pol = typeof exp === 'function' ? (exp as (p: Record<string, unknown>) => VcpuPolicy)(params) : exp;
  if (!pol || typeof pol !== 'object' || typeof (pol as VcpuPolicy).name !== 'string')
    throw new PolicyError(`${file}: must export default (or "policy") a VcpuPolicy object or a factory returning one`);
  const p = pol as VcpuPolicy;
  // Plain objects: hooks are own properties (documented in examples/my-policy.ts).
  return { ...p, params: p.params ?? {}, paravirt: p.paravirt ?? false };
}

export { vanillaPolicy, staticPolicy, crosvmRtPolicy, dynamicPolicy, dynamicV3Policy };
export type { VcpuPolicy };
