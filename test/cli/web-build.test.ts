import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { webBuildState } from '../../src/cli/web-build.js';
import { useTempDir } from '../helpers/temp-dir.js';

const tmp = useTempDir();

/** A web directory with sources at time 1000 s and, when `builtAt` is given, a bundle then. */
async function webDir(builtAt?: number, name = 'web'): Promise<string> {
  const root = path.join(tmp.path, name);
  await fs.mkdir(path.join(root, 'src', 'views'), { recursive: true });
  for (const file of ['index.html', 'vite.config.ts', 'src/main.ts', 'src/views/chat.ts']) {
    await fs.writeFile(path.join(root, file), '');
    await fs.utimes(path.join(root, file), 1000, 1000);
  }
  if (builtAt !== undefined) {
    await fs.mkdir(path.join(root, 'dist'));
    await fs.writeFile(path.join(root, 'dist', 'index.html'), '');
    await fs.utimes(path.join(root, 'dist', 'index.html'), builtAt, builtAt);
  }
  return root;
}

describe('webBuildState', () => {
  it('needs a build when there is no bundle', async () => {
    expect(webBuildState(await webDir())).toBe('missing');
  });

  it('keeps a bundle newer than every source', async () => {
    expect(webBuildState(await webDir(2000))).toBe('current');
  });

  it('rebuilds when a nested source, the page or the build config changed after the bundle', async () => {
    for (const file of ['src/views/chat.ts', 'index.html', 'vite.config.ts']) {
      const root = await webDir(2000, path.basename(file));
      await fs.utimes(path.join(root, file), 3000, 3000);
      expect(webBuildState(root), file).toBe('stale');
    }
  });

  it('builds nothing where there are no web sources (an installed package)', async () => {
    expect(webBuildState(path.join(tmp.path, 'absent'))).toBe('no-sources');
  });
});
