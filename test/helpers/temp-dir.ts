import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';

export interface TempDir {
  readonly path: string;
  remove(): Promise<void>;
}

/** A fresh directory under the OS temp dir; `remove()` deletes it with everything inside. */
export async function createTempDir(prefix = 'threadline-test-'): Promise<TempDir> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  return { path: dir, remove: () => fs.rm(dir, { recursive: true, force: true }) };
}

/**
 * A new temp directory for every test in the calling `describe` (or file), removed after it.
 * Read `.path` inside a test or hook, not at collection time.
 */
export function useTempDir(prefix?: string): { readonly path: string } {
  let current: TempDir | undefined;
  beforeEach(async () => {
    current = await createTempDir(prefix);
  });
  afterEach(async () => {
    await current?.remove();
    current = undefined;
  });
  return {
    get path() {
      if (!current) throw new Error('useTempDir: the directory exists only while a test runs');
      return current.path;
    },
  };
}
