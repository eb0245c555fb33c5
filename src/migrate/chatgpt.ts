/**
 * Reads a ChatGPT data export (`conversations.json`). Each conversation is a tree of nodes
 * (`mapping`); edits and regenerations are branches. Only the visible branch is imported:
 * from `current_node` up through `parent` links to the root.
 *
 * The conversation's id is the ChatGPT conversation id, and each message's id the id of its
 * ChatGPT message, so a newer export merges into what an older one brought. A newer export
 * whose visible branch only went on adds its new messages. One whose branch diverged (a
 * question edited, an answer regenerated: the stored conversation holds messages of the tree
 * that are not on the branch) leaves the stored conversation as it is and imports the branch
 * whole, root to `current_node`, as a conversation of its own: its id is
 * `{conversation id}_{fork}`, where `fork` is the branch's first message the stored
 * conversation lacks, and its name the title followed by " (edited)". The same rule leads a
 * later export to that conversation, or from it to another (see `branches.ts`); an export whose
 * branch is back on the one imported first merges into the first conversation. Message ids are
 * only unique within a conversation, so the messages the two conversations share keep their ids.
 *
 * Roles: `user` and `assistant` messages are imported. `tool` messages (browsing results, code
 * output, generated images) are kept as assistant messages whose text starts with
 * `[tool: name]`, so the history still reads correctly. `system` messages and nodes the
 * ChatGPT UI hides (empty scaffolding, custom-instruction context) are skipped and counted as
 * `skippedMessages` in the report. Original content that is not plain text is kept under the
 * message's `metadata.chatgpt_content`.
 */
import { createHash } from 'node:crypto';
import { isValidId } from '../services/store/validate.js';
import type { StoredConversation, StoredMessage } from '../services/types.js';
import { nameFromMessages } from './convert.js';
import { errorReason, isRecord, isUnixTime, readJson } from './json.js';
import type { MigratedConversation, MigrationFailure, UserBatch } from './types.js';

export async function readChatGptExport(file: string, user: string): Promise<UserBatch> {
  const batch: UserBatch = { user, file, conversations: [], failures: [] };
  let parsed: unknown;
  try {
    parsed = await readJson(file);
  } catch (error) {
    batch.failures.push({ user, file, thread: null, reason: errorReason(error) });
    return batch;
  }
  if (!Array.isArray(parsed)) {
    batch.failures.push({ user, file, thread: null, reason: 'expected an array of conversations' });
    return batch;
  }
  parsed.forEach((item, index) => {
    const result = convertChatGptConversation(item);
    if (typeof result === 'string') {
      const id = isRecord(item) ? (item.id ?? item.conversation_id) : undefined;
      const thread = typeof id === 'string' ? id : `#${index}`;
      batch.failures.push({ user, file, thread, reason: result } satisfies MigrationFailure);
    } else {
      batch.conversations.push(result);
    }
  });
  return batch;
}

/** Converts one conversation; returns the reason when it cannot be used. */
export function convertChatGptConversation(value: unknown): MigratedConversation | string {
  if (!isRecord(value)) return 'conversation is not an object';
  const id = value.id ?? value.conversation_id;
  if (typeof id !== 'string' || id === '') return 'conversation has no id';
  if (!isRecord(value.mapping)) return 'conversation has no mapping';
  const branch = visibleBranch(value.mapping, value.current_node);
  if (typeof branch === 'string') return branch;
  // Without its own time, a conversation began with its first dated message, not in 1970.
  const createdAt =
    [value.create_time, ...branch.map((node) => isRecord(node.message) && node.message.create_time)]
      .concat(value.update_time)
      .find(isUnixTime) ?? 0;

  const messages: StoredMessage[] = [];
  let nonTextParts = 0;
  let skippedMessages = 0;
  let clock = createdAt;
  for (const node of branch) {
    const converted = convertNodeMessage(node.message, clock);
    if (converted === null) continue;
    if (converted === 'skipped') {
      skippedMessages++;
      continue;
    }
    clock = converted.message.timestamp;
    nonTextParts += converted.nonTextParts;
    messages.push(converted.message);
  }
  const newest = messages.reduce((latest, message) => Math.max(latest, message.timestamp), 0);
  const updatedAt = isUnixTime(value.update_time) ? value.update_time : createdAt;
  const conversation: StoredConversation = {
    data: {
      id,
      created_at: createdAt,
      metadata: { chatgpt_conversation_id: id },
      object: 'conversation',
    },
    chat_name:
      typeof value.title === 'string' && value.title.trim()
        ? value.title
        : nameFromMessages(messages),
    last_update: Math.max(updatedAt, newest),
    messages,
    last_response_id: null,
  };
  const messageIds = new Set<string>();
  for (const node of Object.values(value.mapping)) {
    const message = isRecord(node) ? node.message : undefined;
    if (isRecord(message) && typeof message.id === 'string') messageIds.add(message.id);
  }
  return {
    legacyId: id,
    conversation,
    indexOnly: messages.length === 0,
    nonTextParts,
    skippedMessages,
    branches: { messageIds, fork: editedBranch },
  };
}

/**
 * The visible branch as a conversation of its own, for when it diverged, at message `fork`,
 * from the conversation it was migrated into before.
 */
function editedBranch(migrated: MigratedConversation, fork: string): MigratedConversation {
  const { conversation } = migrated;
  const id = branchId(conversation.data.id, fork);
  return {
    ...migrated,
    legacyId: id,
    conversation: {
      ...conversation,
      data: {
        ...conversation.data,
        id,
        metadata: { ...conversation.data.metadata, chatgpt_branch_id: id },
      },
      chat_name: `${conversation.chat_name} (edited)`,
    },
  };
}

/** `{conversation id}_{fork}`, or a digest of both when that is no id the store takes. */
function branchId(conversationId: string, fork: string): string {
  const id = `${conversationId}_${fork}`;
  if (isValidId(id)) return id;
  return `branch_${createHash('sha256').update(`${conversationId}\n${fork}`).digest('hex')}`;
}

interface TreeNode {
  message?: unknown;
  parent?: unknown;
}

/** The nodes from the root down to `current_node`. */
function visibleBranch(
  mapping: Record<string, unknown>,
  currentNode: unknown,
): TreeNode[] | string {
  if (typeof currentNode !== 'string' || !isRecord(mapping[currentNode])) {
    return 'current_node does not name a node of the mapping';
  }
  const branch: TreeNode[] = [];
  const seen = new Set<string>();
  let id: unknown = currentNode;
  while (typeof id === 'string') {
    if (seen.has(id)) return `mapping has a cycle at node ${id}`;
    seen.add(id);
    const node = mapping[id];
    if (!isRecord(node)) return `node ${id} is referenced but missing`;
    branch.push(node);
    id = node.parent;
  }
  return branch.reverse();
}

type NodeResult = { message: StoredMessage; nonTextParts: number } | 'skipped' | null;

/** null: a node without a message (the root); 'skipped': deliberately not imported. */
function convertNodeMessage(value: unknown, fallbackTime: number): NodeResult {
  if (!isRecord(value)) return null;
  const author = isRecord(value.author) ? value.author : {};
  const role = author.role;
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  if (role !== 'user' && role !== 'assistant' && role !== 'tool') return 'skipped';
  if (metadata.is_visually_hidden_from_conversation === true) return 'skipped';
  const rendered = renderChatGptContent(value.content);
  // Uploaded files live in the message's metadata: each gets a placeholder, like other parts,
  // so a message that is only an upload is kept too.
  const attachments = Array.isArray(metadata.attachments) ? metadata.attachments : [];
  // An uploaded image is in the parts too (as an asset pointer), and has its placeholder already.
  const shown = JSON.stringify(isRecord(value.content) ? (value.content.parts ?? []) : []);
  const unshown = attachments.filter(
    (attachment) =>
      !(isRecord(attachment) && typeof attachment.id === 'string' && shown.includes(attachment.id)),
  );
  const files = unshown.map((attachment) => `[file: ${attachmentName(attachment)}]`);
  let text = [rendered.text, ...files].filter((block) => block.trim() !== '').join('\n\n');
  if (text.trim() === '') return 'skipped';
  if (typeof value.id !== 'string' || value.id === '') return 'skipped';

  const extra: Record<string, unknown> = {};
  // What the message referred to (files, sources): kept as the export had it.
  for (const key of ['attachments', 'citations', 'content_references'] as const) {
    const kept = metadata[key];
    if (Array.isArray(kept) && kept.length > 0) extra[`chatgpt_${key}`] = kept;
  }
  if (role === 'tool') {
    const name = typeof author.name === 'string' ? author.name : 'tool';
    text = `[tool: ${name}]\n${text}`;
    extra.chatgpt_role = 'tool';
  }
  if (rendered.lossy) extra.chatgpt_content = value.content;
  const message: StoredMessage = {
    id: value.id,
    role: role === 'user' ? 'user' : 'assistant',
    text,
    timestamp: isUnixTime(value.create_time) ? value.create_time : fallbackTime,
    response_id: null,
    status: 'COMPLETE',
  };
  if (typeof metadata.model_slug === 'string') message.model = metadata.model_slug;
  if (Object.keys(extra).length > 0) message.metadata = extra;
  return { message, nonTextParts: rendered.nonTextParts + unshown.length };
}

function attachmentName(attachment: unknown): string {
  if (!isRecord(attachment)) return 'attachment';
  if (typeof attachment.name === 'string' && attachment.name !== '') return attachment.name;
  return typeof attachment.id === 'string' ? attachment.id : 'attachment';
}

interface Rendered {
  text: string;
  nonTextParts: number;
  lossy: boolean;
}

/** `content.parts` strings verbatim; anything else as a bracketed placeholder. */
function renderChatGptContent(content: unknown): Rendered {
  if (!isRecord(content)) return { text: '', nonTextParts: 0, lossy: false };
  const type = String(content.content_type ?? 'unknown');
  if (Array.isArray(content.parts)) {
    let nonTextParts = 0;
    const blocks = content.parts.map((part) => {
      if (typeof part === 'string') return part;
      nonTextParts++;
      return renderObjectPart(part);
    });
    const text = blocks.filter((block) => block !== '').join('\n\n');
    const plain = type === 'text' && nonTextParts === 0 && content.parts.length <= 1;
    return { text, nonTextParts, lossy: !plain };
  }
  // code, execution_output, tether_quote, ...: their text, labelled with the content type.
  const body = [content.text, content.result].find((field) => typeof field === 'string');
  const text = typeof body === 'string' && body !== '' ? `[${type}]\n${body}` : `[${type}]`;
  return { text, nonTextParts: 1, lossy: true };
}

function renderObjectPart(part: unknown): string {
  if (!isRecord(part)) return '[unreadable part]';
  const type = String(part.content_type ?? 'part');
  const pointer = typeof part.asset_pointer === 'string' ? part.asset_pointer : undefined;
  const asset = pointer?.replace(/^[a-z-]+:\/\//, '');
  if (type === 'image_asset_pointer') return `[image: ${asset ?? 'image'}]`;
  if (type === 'audio_transcription' && typeof part.text === 'string') return part.text;
  return asset ? `[${type}: ${asset}]` : `[${type}]`;
}
