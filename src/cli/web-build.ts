/**
 * Whether `serve` must build the web app first: there is no bundle yet (a fresh clone), or a
 * source is newer than it (an update pulled since the last build), which would otherwise serve
 * a page written for an older API.
 */
import { type Dirent, existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** What the bundle is built from, besides `src/`. */
const INPUT_FILES = ['index.html', 'vite.config.ts', 'tsconfig.json'];

export type WebBuildState = 'current' | 'missing' | 'stale' | 'no-sources';

export function webBuildState(webDir: string): WebBuildState {
  if (!existsSync(path.join(webDir, 'index.html'))) return 'no-sources';
  const built = mtime(path.join(webDir, 'dist', 'index.html'));
  if (built === undefined) return 'missing';
  const sources = [
    ...INPUT_FILES.map((name) => path.join(webDir, name)),
    ...filesUnder(path.join(webDir, 'src')),
  ];
  return sources.some((file) => (mtime(file) ?? 0) > built) ? 'stale' : 'current';
}

function mtime(file: string): number | undefined {
  return statSync(file, { throwIfNoEntry: false })?.mtimeMs;
}

function filesUnder(dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}
