import { promises as fs } from 'node:fs';

const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

/** Replaces the text between the bench markers of `file`; fails when the markers are missing. */
export async function replaceBenchSection(file: string, body: string): Promise<void> {
  const text = await fs.readFile(file, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start === -1 || end < start) throw new Error(`${file} has no ${START} ... ${END} section`);
  const next = `${text.slice(0, start + START.length)}\n${body.trim()}\n${text.slice(end)}`;
  await fs.writeFile(file, next);
}
