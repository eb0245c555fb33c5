import { describe, expect, it } from 'vitest';
import {
  characterCount,
  checkChatName,
  checkMessageText,
} from '../../src/services/chat/input-text.js';
import { ValidationError } from '../../src/services/errors.js';

const refusal = (check: () => unknown) => {
  try {
    check();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).message;
  }
  throw new Error('expected a refusal');
};

describe('characterCount', () => {
  it('counts a surrogate pair once and a lone surrogate as one', () => {
    expect(characterCount('abc')).toBe(3);
    expect(characterCount('😀😀')).toBe(2);
    expect(characterCount('a😀b')).toBe(3);
    expect(characterCount('\ud800x\udc00')).toBe(3);
    expect(characterCount('')).toBe(0);
  });
});

describe('checkMessageText', () => {
  it('limits characters, not code units', () => {
    expect(checkMessageText('😀'.repeat(5), 5)).toBe('😀'.repeat(5));
    expect(refusal(() => checkMessageText('😀'.repeat(6), 5))).toBe(
      'The message text is longer than 5 characters',
    );
  });

  it('keeps tabs and line breaks and refuses other control characters', () => {
    expect(checkMessageText('a\tb\r\nc', 100)).toBe('a\tb\r\nc');
    for (const control of ['\u0000', '\u0007', '\u001b', '\u007f', '\u0085']) {
      expect(refusal(() => checkMessageText(`a${control}b`, 100))).toBe(
        'The message text must not contain control characters',
      );
    }
    expect(refusal(() => checkMessageText(' \n ', 100))).toBe('The message text must not be empty');
  });

  it('refuses half of a surrogate pair, which no UTF-8 response could carry', () => {
    for (const half of ['a\ud800b', 'a\udc00', '\ud83d']) {
      expect(refusal(() => checkMessageText(half, 100))).toBe(
        'The message text must not contain half of a character',
      );
      expect(refusal(() => checkChatName(half, 100))).toBe(
        'The chat name must not contain half of a character',
      );
    }
  });
});

describe('checkChatName', () => {
  it('trims, counts characters and refuses line breaks', () => {
    expect(checkChatName('  Trip 🚲  ', 6)).toBe('Trip 🚲');
    expect(refusal(() => checkChatName('🚲'.repeat(7), 6))).toBe(
      'The chat name is longer than 6 characters',
    );
    for (const refused of ['\n', '\u2028', '\u2029', '\u202e', '\u2066', '\u2069']) {
      expect(refusal(() => checkChatName(`a${refused}b`, 6))).toBe(
        'The chat name must not contain control characters, line breaks or text direction controls',
      );
    }
    // A zero-width joiner holds a family emoji together.
    expect(checkChatName('👩\u200d👩\u200d👧', 6)).toBe('👩\u200d👩\u200d👧');
    expect(refusal(() => checkChatName('   ', 6))).toBe('The chat name must not be empty');
  });
});
