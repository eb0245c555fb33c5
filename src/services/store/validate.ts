import { ValidationError } from '../errors.js';

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const ID = /^[A-Za-z0-9_-]{1,128}$/;

/** A short, printable rendering of a rejected value (NUL and friends become escapes). */
export function show(value: unknown): string {
  if (typeof value !== 'string') return typeof value;
  const quoted = JSON.stringify(value);
  return quoted.length > 80 ? `${quoted.slice(0, 77)}..."` : quoted;
}

export function isValidUsername(name: unknown): name is string {
  return typeof name === 'string' && USERNAME.test(name) && !name.includes('..');
}

/**
 * Usernames become file names under `DATA_DIR/chats`, so anything that could leave that
 * directory or hide a file (`../x`, `a/b`, `.x`, NUL, overlong names) is refused.
 */
export function validateUsername(name: unknown): string {
  if (!isValidUsername(name)) {
    throw new ValidationError(
      `Invalid username ${show(name)}: use 1-64 letters, digits or . _ @ -, starting with a letter or digit, without ".."`,
      { field: 'username' },
    );
  }
  return name;
}

/** Names Windows keeps for devices, with or without an extension (`con.json` is the console). */
const DEVICE_NAME = /^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i;

/**
 * A new user's name must also make a file name on every system the data directory may move to.
 * Only new names are held to this: a user whose files exist keeps working where they already do.
 */
export function refuseDeviceName(name: string): void {
  if (DEVICE_NAME.test(name)) {
    throw new ValidationError(
      `Invalid username ${show(name)}: Windows keeps that name for a device, so its files could not be moved there`,
      { field: 'username' },
    );
  }
}

export const isValidId = (id: unknown): id is string => typeof id === 'string' && ID.test(id);

/**
 * Conversation and message ids: 1-128 letters, digits, `_` or `-`. `field` names the input in
 * the error; by default "conversation id" -> conversationId, the name most inputs give it.
 */
export function validateId(
  id: unknown,
  what = 'id',
  field = what.replace(/ (\w)/g, (_, letter: string) => letter.toUpperCase()),
): string {
  if (!isValidId(id)) {
    throw new ValidationError(
      `Invalid ${what} ${show(id)}: use 1-128 letters, digits, "_" or "-"`,
      { field },
    );
  }
  return id;
}
