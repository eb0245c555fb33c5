import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { promisify } from 'node:util';
import { afterEach, expect, it } from 'vitest';
import { JsonConversationStore } from '../../src/services/conversation-store.js';
import { userFiles } from '../../src/services/store/user-files.js';
import { useTempDir } from '../helpers/temp-dir.js';

const temp = useTempDir();
const stores: JsonConversationStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

const quiet = () => {};
function store(): JsonConversationStore {
  const opened = new JsonConversationStore({
    dataDir: temp.path,
    logger: { debug: quiet, info: quiet, warn: quiet, error: quiet },
  });
  stores.push(opened);
  return opened;
}

it('an append cut short by a file-size limit fails, and leaves no part of itself behind', async () => {
  const id = 'conv_limited';
  // bash's `ulimit -f` counts 1 KiB blocks: the journal may grow to 8 KiB, the message is 20 KiB.
  const { stdout } = await promisify(execFile)('bash', [
    '-c',
    'ulimit -f 8 && exec "$0" --import tsx test/reliability/short-write-run.ts "$1" "$2" 20000',
    process.execPath,
    temp.path,
    id,
  ]);
  const { largeError } = JSON.parse(stdout.trim().split('\n').at(-1) as string);
  expect(largeError).toEqual(expect.any(String));

  const journal = await fs.readFile(userFiles(`${temp.path}/chats`, 'alice').journal, 'utf8');
  expect(journal.length).toBeLessThan(8 * 1024);
  expect(journal.endsWith('\n')).toBe(true);

  const reloaded = store();
  const conversation = await reloaded.getConversation('alice', id);
  expect(conversation?.messages.map((message) => message.text)).toEqual(['kept']);
  // The next append starts on a line of its own and is read back.
  await reloaded.addMessage('alice', id, { role: 'assistant', text: 'after' });
  await reloaded.close();
  stores.length = 0;
  const again = await store().getConversation('alice', id);
  expect(again?.messages.map((message) => message.text)).toEqual(['kept', 'after']);
});
