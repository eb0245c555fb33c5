import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { DomainError } from '../services/errors.js';
import { createUserService, usersFilePath } from '../services/users.js';

const HELP = `Usage: threadline users <add NAME | list | remove NAME> [--data-dir DIR]

  add NAME      Create a user; its token is printed once, alone on the last line
  list          List users (tokens are stored hashed and cannot be shown)
  remove NAME   Remove a user; its token stops working at once, also on a running server

Options:
  --data-dir DIR   Where users are stored (env DATA_DIR, default ./data)
  -h, --help       Show this help`;

export async function run(argv: string[]): Promise<number> {
  let parsed: { values: { 'data-dir'?: string; help?: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    console.error(`threadline users: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const [action, name, ...extra] = positionals;
  const needsName = action === 'add' || action === 'remove';
  if (
    extra.length > 0 ||
    !(needsName || action === 'list') ||
    (needsName && !name) ||
    (!needsName && name)
  ) {
    console.error(HELP);
    return 2;
  }

  const { dataDir } = loadConfig(process.env, { 'data-dir': values['data-dir'] });
  const users = createUserService({ dataDir });
  try {
    if (action === 'add') {
      const token = await users.add(name as string);
      console.log(`Created user "${name}" in ${usersFilePath(dataDir)}. Its token (shown once):`);
      console.log(token);
    } else if (action === 'remove') {
      await users.remove(name as string);
      console.log(`Removed user "${name}".`);
    } else {
      const list = await users.list();
      if (list.length === 0) console.log('No users yet. Add one with: threadline users add NAME');
      for (const user of list) console.log(`${user.name.padEnd(24)} created ${user.createdAt}`);
    }
    return 0;
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    console.error(`threadline users: ${error.message}`);
    return 1;
  }
}
