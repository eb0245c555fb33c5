/**
 * Users and their API tokens, kept in `DATA_DIR/users.json`. Only a SHA-256 digest of each token
 * is stored; a token is shown once, when it is made. The file is re-read when another process
 * (`threadline users add|remove`) changes it, so a removed token stops working without a
 * restart. Whether it changed is checked at most once per `statIntervalMs`, not per request:
 * every request and every open subscription authenticates, and a `stat` each adds up.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ConflictError, NotFoundError, StorageError } from './errors.js';
import { fileStamp, isCode, readIfExists, writeFileAtomic } from './store/atomic-file.js';
import { withFileLock } from './store/file-lock.js';
import { ownersIn } from './store/user-files.js';
import { refuseDeviceName, validateUsername } from './store/validate.js';

export interface UserRecord {
  name: string;
  /** ISO-8601. */
  createdAt: string;
}

interface StoredUser extends UserRecord {
  /** SHA-256 of the token, hex. */
  tokenHash: string;
}

interface UsersFile {
  version: 1;
  users: StoredUser[];
}

export interface UserService {
  /** Creates the user and returns its new token. Refuses a name that exists. */
  add(name: string): Promise<string>;
  list(): Promise<UserRecord[]>;
  /** Throws NotFoundError when there is no such user. */
  remove(name: string): Promise<void>;
  /** The username the token belongs to, or null. */
  authenticate(token: string | null | undefined): Promise<string | null>;
  /** Creates user `local` when there are no users at all; null otherwise. */
  ensureDefaultUser(): Promise<{ name: string; token: string } | null>;
}

export const DEFAULT_USER = 'local';
const TOKEN_BYTES = 32;
const MAX_TOKEN_CHARS = 512;

export const usersFilePath = (dataDir: string) => path.join(dataDir, 'users.json');

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

export interface UserServiceOptions {
  dataDir: string;
  /**
   * How long one check of the file's identity is trusted: a change made by another process is
   * seen within this long. Changes made through this service are seen at once. @default 1_000
   */
  statIntervalMs?: number;
  /** Milliseconds, monotonic. @default performance.now */
  now?: () => number;
}

export function createUserService(options: UserServiceOptions): UserService {
  const file = usersFilePath(options.dataDir);
  const statIntervalMs = options.statIntervalMs ?? 1_000;
  const now = options.now ?? (() => performance.now());
  let cache: { stamp: string; users: StoredUser[]; checkedAt: number } | null = null;
  // Bumped by every write of this process: a check that began before it must not be cached.
  let generation = 0;
  // Callers that find the cache expired at the same time share one check.
  let checking: { generation: number; users: Promise<StoredUser[]> } | null = null;

  function load(): Promise<StoredUser[]> {
    if (cache && now() - cache.checkedAt < statIntervalMs) return Promise.resolve(cache.users);
    if (checking?.generation !== generation) {
      const users = check();
      const current = { generation, users };
      checking = current;
      const clear = () => {
        if (checking === current) checking = null;
      };
      users.then(clear, clear);
    }
    return checking.users;
  }

  async function check(): Promise<StoredUser[]> {
    const started = generation;
    const checkedAt = now();
    const stamp = await unusable(fileStamp(file), `${file} cannot be read`, options.dataDir);
    const previous = cache;
    let users: StoredUser[];
    if (previous && previous.stamp === stamp) {
      users = previous.users;
    } else {
      const raw = await unusable(readIfExists(file), `${file} cannot be read`, options.dataDir);
      users = raw === null ? [] : parse(raw.toString('utf8'), file);
    }
    if (started === generation) cache = { stamp, users, checkedAt };
    return users;
  }

  const invalidate = () => {
    generation++;
    cache = null;
  };

  // Changes run one at a time (those of this process queue for the lock) and each re-reads the
  // file inside the lock.
  async function mutate<T>(change: (users: StoredUser[]) => { users: StoredUser[]; result: T }) {
    await unusable(
      fs.mkdir(path.dirname(file), { recursive: true }),
      `data directory ${options.dataDir} cannot be used`,
      options.dataDir,
    );
    // Another process (`threadline users` beside the server) may change the file too: the read
    // and the write are one step under the lock, or one change would undo the other.
    return withFileLock(`${file}.lock`, async () => {
      invalidate();
      const { users, result } = change(await load());
      const body: UsersFile = { version: 1, users };
      await writeFileAtomic(file, `${JSON.stringify(body, null, 2)}\n`);
      invalidate();
      return result;
    });
  }

  async function add(name: string): Promise<string> {
    validateUsername(name);
    // A user whose conversations are already here (migrated, or made before the rule) must be
    // able to sign in: only a name new to the data directory is held to the new-name rule.
    const owners = await ownersIn(path.join(options.dataDir, 'chats'));
    if (!owners.includes(name)) refuseDeviceName(name);
    return mutate((users) => {
      // Names are file names (chats/{name}.json): on a file system that ignores case (macOS,
      // Windows), "Alice" and "alice" would share one user's conversations.
      const taken = users.find((user) => user.name.toLowerCase() === name.toLowerCase());
      if (taken) {
        throw new ConflictError(
          taken.name === name
            ? `User "${name}" already exists`
            : `User "${taken.name}" already exists; names may not differ only in case`,
        );
      }
      const token = randomBytes(TOKEN_BYTES).toString('base64url');
      const user = {
        name,
        createdAt: new Date().toISOString(),
        tokenHash: digest(token).toString('hex'),
      };
      return { users: [...users, user], result: token };
    });
  }

  return {
    add,
    async list() {
      return (await load()).map(({ name, createdAt }) => ({ name, createdAt }));
    },
    async remove(name) {
      await mutate((users) => {
        if (!users.some((user) => user.name === name)) {
          throw new NotFoundError(`No user "${name}"`);
        }
        return { users: users.filter((user) => user.name !== name), result: undefined };
      });
    },
    async authenticate(token) {
      if (!token || token.length > MAX_TOKEN_CHARS) return null;
      const presented = digest(token);
      let match: string | null = null;
      // Every stored digest is compared, so the time taken does not depend on which one matched.
      for (const user of await load()) {
        const stored = Buffer.from(user.tokenHash, 'hex');
        if (stored.length === presented.length && timingSafeEqual(stored, presented)) {
          match = user.name;
        }
      }
      return match;
    },
    async ensureDefaultUser() {
      if ((await load()).length > 0) return null;
      const token = await add(DEFAULT_USER);
      return { name: DEFAULT_USER, token };
    },
  };
}

/**
 * A file system error as one line naming what cannot be used: a folder as users.json, or a
 * data directory that is a file (what EEXIST and ENOTDIR mean here).
 */
async function unusable<T>(operation: Promise<T>, what: string, dataDir: string): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    if (error instanceof StorageError || !(error instanceof Error)) throw error;
    if (isCode(error, 'EEXIST', 'ENOTDIR')) {
      throw new StorageError(`data directory ${dataDir} cannot be used: it is not a folder`);
    }
    throw new StorageError(`${what}: ${error.message}`);
  }
}

function parse(text: string, file: string): StoredUser[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new StorageError(`${file} is not valid JSON; fix or remove it`);
  }
  const users = (body as Partial<UsersFile> | null)?.users;
  const valid =
    Array.isArray(users) &&
    users.every(
      (user: Partial<StoredUser> | null) =>
        typeof user?.name === 'string' &&
        typeof user.tokenHash === 'string' &&
        /^[0-9a-f]{64}$/.test(user.tokenHash),
    );
  if (!valid) throw new StorageError(`${file} does not hold a list of users; fix or remove it`);
  return users as StoredUser[];
}
