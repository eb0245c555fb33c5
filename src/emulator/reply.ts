import type { TextMessage } from './request.js';

export interface ReplyContext {
  model: string;
  instructions: string | null;
  /** The whole conversation the emulator reconstructed: the stored chain, then this input. */
  conversation: TextMessage[];
}

const FILLER = (
  'This reply comes from the local Responses emulator, which answers deterministically so that ' +
  'streaming, pacing and rendering can be exercised without a network connection.'
).split(' ');

/**
 * The reply as its stream deltas: exactly `words` chunks, each one word plus the whitespace that
 * follows it (the last has none), so `chunks.join('')` is the reply text and the number of
 * `response.output_text.delta` events equals the word count. It quotes the latest user text and
 * counts the turns it can see, so a client can tell whether its history reached the upstream.
 */
export function replyChunks(context: ReplyContext, words: number): string[] {
  const chunks = splitWords(composeReply(context)).slice(0, words);
  if (chunks.length < words && chunks.length > 0) {
    chunks[chunks.length - 1] = `${chunks[chunks.length - 1]!.trimEnd()}\n\n`;
  }
  for (let i = 0; chunks.length < words; i++) chunks.push(`${FILLER[i % FILLER.length]} `);
  if (chunks.length > 0) chunks[chunks.length - 1] = chunks[chunks.length - 1]!.trimEnd();
  return chunks;
}

/** Word-ish chunks: a run of non-space characters and the whitespace after it. */
export function splitWords(text: string): string[] {
  return text.trimStart().match(/\S+\s*/g) ?? [];
}

/** The emulator's token count: whitespace-separated words. */
export function countWords(text: string): number {
  let count = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const space = code === 32 || (code >= 9 && code <= 13) || code === 160;
    if (!space && !inWord) count++;
    inWord = !space;
  }
  return count;
}

/** At most ~45 words, so the default 60-word reply keeps its list and code block whole. */
function composeReply({ model, instructions, conversation }: ReplyContext): string {
  const userTexts = conversation.filter((m) => m.role === 'user').map((m) => m.text);
  const turn = Math.max(1, userTexts.length);
  const latest = userTexts.at(-1);
  const first = userTexts[0];
  const count = conversation.length;
  return [
    `Turn ${turn} of our conversation (${count} ${count === 1 ? 'message' : 'messages'} in view).`,
    `You said: ${latest === undefined ? 'nothing I can quote' : `"${quote(latest, 12)}"`}`,
    '',
    `- model: \`${model}\``,
    `- first message: ${turn > 1 && first !== undefined ? `"${quote(first, 8)}"` : 'this one'}`,
    `- instructions: ${instructions ? 'followed' : 'none'}`,
    '',
    '```ts',
    `const turn = ${turn};`,
    '```',
  ].join('\n');
}

function quote(text: string, maxWords: number): string {
  const words = text.split(/\s+/).filter(Boolean);
  const head = words.slice(0, maxWords).join(' ');
  return words.length > maxWords ? `${head}…` : head;
}
