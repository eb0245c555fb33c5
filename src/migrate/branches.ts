/**
 * Conversations whose source is a tree (a ChatGPT conversation, where an edited question or a
 * regenerated answer starts a branch). A branch goes into the stored conversation that holds
 * no message of the tree off that branch: the conversation migrated before while the branch
 * only went on, or one of the conversations a diverged branch was given (`fork`).
 */
import type { StoredConversation, StoredMessage } from '../services/types.js';
import type { MigratedConversation } from './types.js';

export interface BranchTarget {
  /** `migrated`, or the conversation its branch gets beside the one it diverged from. */
  item: MigratedConversation;
  stored: StoredConversation | null;
}

/**
 * Where `migrated` goes: from the conversation `find` gives, as long as that one holds
 * messages of the tree off the branch, on to the conversation of the branch's first message it
 * lacks. Each step is for another message of the branch, so the walk is no longer than the
 * branch.
 */
export async function branchTarget(
  migrated: MigratedConversation,
  find: (item: MigratedConversation) => Promise<StoredConversation | null>,
): Promise<BranchTarget> {
  let item = migrated;
  let stored = await find(item);
  const branches = migrated.branches;
  if (!branches) return { item, stored };
  const off = offBranch(migrated);
  const branch = migrated.conversation.messages;
  for (let step = 0; step < branch.length && stored !== null; step++) {
    if (!Array.isArray(stored.messages) || !stored.messages.some(off)) break;
    const held = new Set(stored.messages.map((message) => message.id));
    const fork = branch.find((message) => !held.has(message.id));
    // The whole branch is there already: nothing to add anywhere.
    if (!fork) break;
    item = branches.fork(migrated, fork.id);
    stored = await find(item);
  }
  return { item, stored };
}

/**
 * Whether two copies of one conversation show different branches (one holds what the other's
 * branch does not).
 */
export function differentBranches(a: MigratedConversation, b: MigratedConversation): boolean {
  return a.conversation.messages.some(offBranch(b)) || b.conversation.messages.some(offBranch(a));
}

/** Whether a message is of `migrated`'s tree but off its branch (never, for a source of lists). */
function offBranch(migrated: MigratedConversation): (message: StoredMessage) => boolean {
  const tree = migrated.branches?.messageIds;
  if (!tree) return () => false;
  const onBranch = new Set(migrated.conversation.messages.map((message) => message.id));
  return (message) => tree.has(message.id) && !onBranch.has(message.id);
}
