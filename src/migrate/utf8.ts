/**
 * Strict UTF-8 decoding of a legacy file. Decoding with replacement would turn a Latin-1 `é`
 * into U+FFFD and migrate the damaged text as if it were whole; a file that is not UTF-8 is
 * refused instead, saying where, so it can be converted and migrated again.
 */
import { isCode } from '../services/store/atomic-file.js';

/**
 * Byte order marks of the encodings a Windows tool may save JSON in; UTF-32's first, as its
 * little-endian mark starts with UTF-16's.
 */
const BOMS: Array<[string, number[]]> = [
  ['UTF-32', [0xff, 0xfe, 0x00, 0x00]],
  ['UTF-32', [0x00, 0x00, 0xfe, 0xff]],
  ['UTF-16', [0xff, 0xfe]],
  ['UTF-16', [0xfe, 0xff]],
];

/** The text of `bytes`, without a byte order mark. Throws a readable reason when not UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string {
  const bom = BOMS.find(([, mark]) => mark.every((byte, i) => bytes[i] === byte));
  if (bom) {
    throw new Error(
      `encoded as ${bom[0]} (it starts with a ${bom[0]} byte order mark): save it as UTF-8`,
    );
  }
  if (looksUtf32(bytes)) {
    throw new Error(
      'encoded as UTF-32 (without a byte order mark: at its start, of every four bytes the top two are 0): save it as UTF-8',
    );
  }
  if (looksUtf16(bytes)) {
    throw new Error(
      'encoded as UTF-16 (without a byte order mark: every other byte at its start is 0): save it as UTF-8',
    );
  }
  try {
    // The decoder drops a UTF-8 byte order mark (as some Windows editors and PowerShell write).
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    // Only the decoder's verdict on the bytes means they are not UTF-8; anything else (a file
    // longer than a string may be, say) is said as it is.
    if (!(error instanceof TypeError && isCode(error, 'ERR_ENCODING_INVALID_ENCODED_DATA'))) {
      throw error;
    }
    const at = invalidUtf8At(bytes);
    const where = at < 0 ? '' : ` (byte ${at} is not part of a UTF-8 character)`;
    throw new Error(`not UTF-8${where}: save it as UTF-8 (from Latin-1 or Windows-1252, say)`);
  }
}

/**
 * UTF-16 without a byte order mark: text that starts in ASCII has a 0 byte at every other
 * place (odd ones little-endian, even ones big-endian), and none at the others. UTF-8 JSON
 * holds no 0 byte at all (a NUL in a string is written `\u0000`).
 */
function looksUtf16(bytes: Uint8Array): boolean {
  const start = Math.min(bytes.length, 64) & ~1;
  if (start < 4) return false;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < start; i++) {
    if (bytes[i] !== 0) continue;
    if (i % 2 === 0) even++;
    else odd++;
  }
  const half = start / 4;
  return (even === 0 && odd >= half) || (odd === 0 && even >= half);
}

/**
 * UTF-32 without a byte order mark: every character is four bytes, the highest always 0 (none
 * is above U+10FFFF) and the next nearly always (any character below U+10000); little-endian
 * has them last, big-endian first. The lowest byte is 0 only for rare characters (U+0100...).
 */
function looksUtf32(bytes: Uint8Array): boolean {
  const start = Math.min(bytes.length, 64) & ~3;
  if (start < 8) return false;
  const zeros = [0, 0, 0, 0];
  for (let i = 0; i < start; i++) if (bytes[i] === 0) zeros[i % 4]!++;
  const chars = start / 4;
  const [b0, b1, b2, b3] = zeros as [number, number, number, number];
  const little = b3 === chars && b2 >= chars / 2 && b0 <= chars / 2;
  const big = b0 === chars && b1 >= chars / 2 && b3 <= chars / 2;
  return little || big;
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
