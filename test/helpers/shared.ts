import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

/** ../shared next to the repository (CI has it). */
export const SHARED_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared');
export const HAS_SHARED = existsSync(resolve(SHARED_DIR, 'traces-public'));

/** Absolute path of a file under ../shared. */
export function sharedPath(rel: string): string {
  return resolve(SHARED_DIR, rel);
}

/** Message for tests skipped because ../shared is missing: printed, never silent. */
export function warnNoShared(what: string): void {
  if (!HAS_SHARED) process.stderr.write(`SKIPPED ${what}: ${SHARED_DIR} is absent (these tests need ../shared/traces-public)\n`);
}

export const REPO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
