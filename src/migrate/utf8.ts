/**
 * Strict UTF-8 decoding of a legacy file. Decoding with replacement would turn a Latin-1 `é`
 * into U+FFFD and migrate the damaged text as if it were whole; a file that is not UTF-8 is
 * refused instead, saying where, so it can be converted and migrated again.
 */

const UTF16_BOMS = [
  [0xff, 0xfe],
  [0xfe, 0xff],
];

/** The text of `bytes`, without a byte order mark. Throws a readable reason when not UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string {
  if (UTF16_BOMS.some(([a, b]) => bytes[0] === a && bytes[1] === b)) {
    throw new Error(
      'encoded as UTF-16 (it starts with a UTF-16 byte order mark): save it as UTF-8',
    );
  }
  try {
    // The decoder drops a UTF-8 byte order mark (as some Windows editors and PowerShell write).
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = invalidUtf8At(bytes);
    const where = at < 0 ? '' : ` (byte ${at} is not part of a UTF-8 character)`;
    throw new Error(`not UTF-8${where}: save it as UTF-8 (from Latin-1 or Windows-1252, say)`);
  }
}

/** The offset of the first byte that starts no valid UTF-8 sequence, or -1. */
export function invalidUtf8At(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] as number;
    const [length, low, high] = sequenceOf(lead);
    if (length === 0) return i;
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k];
      // The second byte's range also rules out overlong forms and surrogates.
      const [min, max] = k === 1 ? [low, high] : [0x80, 0xbf];
      if (next === undefined || next < min || next > max) return i;
    }
    i += length;
  }
  return -1;
}

/** Length of the sequence `lead` starts, and the range of its second byte (RFC 3629). */
function sequenceOf(lead: number): [number, number, number] {
  if (lead < 0x80) return [1, 0, 0];
  if (lead >= 0xc2 && lead <= 0xdf) return [2, 0x80, 0xbf];
  if (lead === 0xe0) return [3, 0xa0, 0xbf];
  if (lead === 0xed) return [3, 0x80, 0x9f];
  if (lead >= 0xe1 && lead <= 0xef) return [3, 0x80, 0xbf];
  if (lead === 0xf0) return [4, 0x90, 0xbf];
  if (lead >= 0xf1 && lead <= 0xf3) return [4, 0x80, 0xbf];
  if (lead === 0xf4) return [4, 0x80, 0x8f];
  return [0, 0, 0];
}
