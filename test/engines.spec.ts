import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const semver = require('semver') as { minVersion(range: string): { version: string } | null; satisfies(version: string, range: string): boolean };

/**
 * `npm install` on the oldest Node we declare prints no engine warning: every installed package (as
 * pinned in package-lock.json, overrides applied) accepts it. Catches a dependency that moves to Node 22
 * (content-disposition 3, cookie 2) before a developer on Node 20 sees EBADENGINE.
 */
describe('package-lock.json', () => {
  const root = join(__dirname, '..');
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; engines?: { node?: string } | string[]; dev?: boolean; optional?: boolean }>;
  };
  const oldestNode = semver.minVersion(manifest.engines.node)!.version;

  it(`holds only packages whose engines accept Node ${oldestNode} (package.json engines: ${manifest.engines.node})`, () => {
    const refusing = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && entry.engines && !Array.isArray(entry.engines) && entry.engines.node)
      .filter(([, entry]) => !semver.satisfies(oldestNode, (entry.engines as { node: string }).node))
      .map(([path, entry]) => `${path.replace(/^.*node_modules\//, '')}@${entry.version} wants node ${(entry.engines as { node: string }).node}`);
    expect(refusing).toEqual([]);
  });
});
