/**
 * Names are file names (`chats/{name}.json`) and compared exactly, and `threadline users` refuses
 * two that differ only in case. A legacy user `Alice` migrated beside an existing `alice` would
 * get conversations that `alice` cannot see and a name that can never sign in; which one is meant
 * is the operator's to say.
 */
import path from 'node:path';
import { StorageError } from '../services/errors.js';
import { ownersIn } from '../services/store/user-files.js';
import { createUserService } from '../services/users.js';
import { MigrationSetupError } from './sources.js';

/** For each of `users`, a different name the data directory already has that differs only in case. */
export async function caseTwins(dataDir: string, users: string[]): Promise<Map<string, string>> {
  const names = await existingNames(dataDir);
  const exact = new Set(names);
  const folded = new Map(names.map((name) => [name.toLowerCase(), name]));
  const twins = new Map<string, string>();
  for (const user of users) {
    // A user here by this very name is the one meant, whatever else a folder holds.
    if (exact.has(user)) continue;
    const twin = folded.get(user.toLowerCase());
    if (twin !== undefined) twins.set(user, twin);
  }
  return twins;
}

/** The users of the users file and the owners of the conversation files. */
async function existingNames(dataDir: string): Promise<string[]> {
  let signIns: string[];
  try {
    signIns = (await createUserService({ dataDir }).list()).map((user) => user.name);
  } catch (error) {
    if (error instanceof StorageError) throw new MigrationSetupError(error.message);
    throw error;
  }
  return [...signIns, ...(await ownersIn(path.join(dataDir, 'chats')))];
}
