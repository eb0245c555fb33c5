/**
 * Child of short-write.test.ts, run under a file-size limit (`ulimit -f`): stores a small
 * message, then one too large for the limit, and prints what each call did as one JSON line.
 *
 *   npx tsx test/reliability/short-write-run.ts <data dir> <conversation id> <large size>
 */
import { JsonConversationStore } from '../../src/services/conversation-store.js';

const [dataDir, conversationId, largeSize] = process.argv.slice(2) as [string, string, string];
const quiet = () => {};
const store = new JsonConversationStore({
  dataDir,
  logger: { debug: quiet, info: quiet, warn: quiet, error: quiet },
});
await store.createConversation('alice', 'limited', { id: conversationId });
await store.addMessage('alice', conversationId, { role: 'user', text: 'kept' });
let largeError: string | null = null;
try {
  await store.addMessage('alice', conversationId, {
    role: 'user',
    text: 'x'.repeat(Number(largeSize)),
  });
} catch (error) {
  largeError = error instanceof Error ? error.message : String(error);
}
console.log(JSON.stringify({ largeError }));
