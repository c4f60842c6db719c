import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/**
 * Finds a file shipped in apps/notifier (templates, sample directory) whether the service runs from
 * source or from dist/, and whatever the working directory: tries the path as given, then walks up from
 * this file to the repository root.
 */
export function resolveAsset(relativeToRepo: string): string {
  if (isAbsolute(relativeToRepo)) return relativeToRepo;
  const fromCwd = resolve(process.cwd(), relativeToRepo);
  if (existsSync(fromCwd)) return fromCwd;
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, relativeToRepo);
    if (existsSync(candidate)) return candidate;
  }
  return fromCwd;
}
