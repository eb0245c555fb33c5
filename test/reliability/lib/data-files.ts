/**
 * Checks a data directory as a crash left it: every snapshot and backup parses as JSON, every
 * journal parses (a torn last line is allowed: an append the crash cut short), and nothing was
 * quarantined as corrupt.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseJournal } from '../../../src/services/store/journal.js';

export interface DataCheck {
  problems: string[];
  files: number;
  tornJournals: number;
}

export async function checkDataFiles(dataDir: string): Promise<DataCheck> {
  const chats = path.join(dataDir, 'chats');
  const names = await fs.readdir(chats).catch(() => [] as string[]);
  const problems: string[] = [];
  let files = 0;
  let tornJournals = 0;
  for (const name of names) {
    const file = path.join(chats, name);
    if (name.includes('.corrupt')) {
      problems.push(`quarantined file ${name}`);
    } else if (name.endsWith('.json') || name.endsWith('.json.bak')) {
      files++;
      try {
        JSON.parse(await fs.readFile(file, 'utf8'));
      } catch (error) {
        problems.push(`${name} does not parse: ${(error as Error).message}`);
      }
    } else if (name.endsWith('.journal') || name.endsWith('.journal.old')) {
      files++;
      const parsed = parseJournal(await fs.readFile(file));
      if (parsed.corruptLines.length > 0) {
        problems.push(`${name} has corrupt lines ${parsed.corruptLines.join(',')}`);
      }
      if (parsed.tornBytes > 0) tornJournals++;
    }
  }
  return { problems, files, tornJournals };
}
