/**
 * Verification: every conversation and every message the legacy sources hold must be in the
 * store, found by id (or as the merge finds it, under the id of its other copy), with the same
 * text the migration produces for it, unless the user deleted the conversation after it was
 * migrated.
 */
import { branchTarget } from './branches.js';
import { storedCopies } from './copies.js';
import { ENTRY_KEY, holdsKept, lackedFields, MESSAGE_KEY } from './kept-fields.js';
import type { ExistingConversations } from './merge.js';
import type { MigratedConversation, VerifyProblem, VerifyResult } from './types.js';

export const emptyVerifyResult = (): VerifyResult => ({
  checkedConversations: 0,
  deletedConversations: 0,
  checkedMessages: 0,
  problems: [],
});

/** Adds one user's findings to `result`. */
export async function verifyUser(
  existing: ExistingConversations,
  user: string,
  migrated: readonly MigratedConversation[],
  result: VerifyResult,
): Promise<void> {
  const problem = (thread: string, messageId: string | null, reason: string): VerifyProblem => ({
    user,
    thread,
    messageId,
    reason,
  });
  for (const item of migrated) {
    result.checkedConversations++;
    // A diverged branch of a ChatGPT conversation is in a conversation of its own.
    const { item: target, stored } = await branchTarget(item, (of) => existing.find(of));
    if (!stored && existing.deleted(target)) {
      result.deletedConversations++;
      continue;
    }
    if (!stored || !Array.isArray(stored.messages)) {
      result.problems.push(problem(item.legacyId, null, 'conversation not in the store'));
      continue;
    }
    if (!holdsKept(stored.data?.metadata, target.conversation.data.metadata, ENTRY_KEY)) {
      const lost = LOST_FIELDS('index entry', `metadata.${ENTRY_KEY}`);
      result.problems.push(problem(item.legacyId, null, lost));
    }
    const { messages } = target.conversation;
    const byId = storedCopies(stored.messages, messages);
    for (const message of messages) {
      result.checkedMessages++;
      const found = byId.get(message.id);
      if (found === undefined) {
        result.problems.push(problem(item.legacyId, message.id, 'message not in the store'));
      } else if (found.text !== message.text) {
        result.problems.push(problem(item.legacyId, message.id, 'message text differs'));
      } else if (!holdsKept(found.metadata, message.metadata, MESSAGE_KEY)) {
        result.problems.push(
          problem(item.legacyId, message.id, LOST_FIELDS('message', `metadata.${MESSAGE_KEY}`)),
        );
      } else {
        // Fields of the other copy of the message, or kept since it was migrated.
        const lacked = lackedFields(found, message);
        if (lacked.length > 0) {
          const lost = LOST_FIELDS('message', lacked.join(', '));
          result.problems.push(problem(item.legacyId, message.id, lost));
        }
      }
    }
  }
}

const LOST_FIELDS = (what: string, fields: string) =>
  `the ${what}'s other fields are not in the store (${fields}): run the migration again`;
