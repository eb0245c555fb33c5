/**
 * What a person types: the message text and the chat name. Limits count characters as people
 * do (an emoji is one, not two UTF-16 code units), and invisible control characters are
 * refused; a name is one line, so it may not hold a line break or tab either.
 */
import { ValidationError } from '../errors.js';

/** A control character (C0, DEL, C1) other than tab, line feed and carriage return. */
const CONTROL_IN_TEXT = /[^\P{Cc}\t\n\r]/u;
const CONTROL_IN_NAME = /\p{Cc}/u;

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

export function checkMessageText(text: string, maxMessageChars: number): string {
  if (text.trim() === '') {
    throw new ValidationError('The message text must not be empty', { field: 'text' });
  }
  if (longerThan(text, maxMessageChars)) {
    throw new ValidationError(`The message text is longer than ${maxMessageChars} characters`, {
      field: 'text',
      maxMessageChars,
    });
  }
  if (CONTROL_IN_TEXT.test(text)) {
    throw new ValidationError('The message text must not contain control characters', {
      field: 'text',
    });
  }
  return text;
}

/** The trimmed name; an empty one is refused (callers that allow none check before). */
export function checkChatName(raw: string, maxChatNameChars: number): string {
  const name = raw.trim();
  if (name === '') {
    throw new ValidationError('The chat name must not be empty', { field: 'chatName' });
  }
  if (longerThan(name, maxChatNameChars)) {
    throw new ValidationError(`The chat name is longer than ${maxChatNameChars} characters`, {
      field: 'chatName',
      maxChatNameChars,
    });
  }
  if (CONTROL_IN_NAME.test(name)) {
    throw new ValidationError('The chat name must not contain control characters or line breaks', {
      field: 'chatName',
    });
  }
  return name;
}
