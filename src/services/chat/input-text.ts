/**
 * What a person types: the message text and the chat name. Limits count characters as people
 * do (an emoji is one, not two UTF-16 code units), and invisible control characters are
 * refused; a name is one line, so it may not hold a line break or tab either.
 */
import { ValidationError } from '../errors.js';

/** A control character (C0, DEL, C1) other than tab, line feed and carriage return. */
const CONTROL_IN_TEXT = /[^\P{Cc}\t\n\r]/u;
/**
 * ...and in a name, which is one line, also a line or paragraph separator, and the bidi
 * embeddings, overrides and isolates: in a list of names, one could make another's text read
 * backwards. (Other format characters stay: a zero-width joiner is part of many emoji.)
 */
const CONTROL_IN_NAME = /[\p{Cc}\p{Zl}\p{Zp}\u202a-\u202e\u2066-\u2069]/u;

/** Half of a surrogate pair on its own: not a character, and no UTF-8 can carry it. */
const LONE_SURROGATE = /\p{Cs}/u;

/** `text` without anything a chat name may not hold, for a name made from a message. */
export function withoutNameRefusals(text: string): string {
  return text
    .replace(new RegExp(CONTROL_IN_NAME.source, 'gu'), ' ')
    .replace(new RegExp(LONE_SURROGATE.source, 'gu'), '');
}

/** Unicode code points: a surrogate pair counts once. */
export function characterCount(text: string): number {
  let count = text.length;
  for (let i = 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xdc00 && code <= 0xdfff) {
      const before = text.charCodeAt(i - 1);
      if (before >= 0xd800 && before <= 0xdbff) count--;
    }
  }
  return count;
}

/** Whether `text` is longer than `max` characters; code units bound characters from above. */
const longerThan = (text: string, max: number) => text.length > max && characterCount(text) > max;

interface Rule {
  label: string;
  field: string;
  /** The extension naming the limit, as the configuration does. */
  limitKey: string;
  control: RegExp;
  controls: string;
}

const TEXT: Rule = {
  label: 'The message text',
  field: 'text',
  limitKey: 'maxMessageChars',
  control: CONTROL_IN_TEXT,
  controls: 'control characters',
};

const NAME: Rule = {
  label: 'The chat name',
  field: 'chatName',
  limitKey: 'maxChatNameChars',
  control: CONTROL_IN_NAME,
  controls: 'control characters, line breaks or text direction controls',
};

function check(value: string, max: number, rule: Rule): string {
  const refusal = (problem: string, details: Record<string, unknown> = {}) =>
    new ValidationError(`${rule.label} ${problem}`, { field: rule.field, ...details });
  if (value.trim() === '') throw refusal('must not be empty');
  if (longerThan(value, max)) {
    throw refusal(`is longer than ${max} characters`, { [rule.limitKey]: max });
  }
  if (rule.control.test(value)) throw refusal(`must not contain ${rule.controls}`);
  if (LONE_SURROGATE.test(value)) throw refusal('must not contain half of a character');
  return value;
}

export const checkMessageText = (text: string, maxMessageChars: number): string =>
  check(text, maxMessageChars, TEXT);

/** The trimmed name; an empty one is refused (callers that allow none check before). */
export const checkChatName = (raw: string, maxChatNameChars: number): string =>
  check(raw.trim(), maxChatNameChars, NAME);
