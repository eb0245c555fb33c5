/** The run's report: per-user counts, failures, verification; as JSON and as text. */
import type { Stats } from 'node:fs';
import { chmod, readlink, realpath, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isCode, writeFileAtomic } from '../services/store/atomic-file.js';
import type { MigrationReport, UserReport } from './types.js';

export const emptyUserReport = (user: string): UserReport => ({
  user,
  threads: 0,
  conversationsAdded: 0,
  conversationsUpdated: 0,
  conversationsUnchanged: 0,
  conversationsDeleted: 0,
  messagesAdded: 0,
  messagesCompleted: 0,
  indexOnlyThreads: 0,
  nonTextParts: 0,
  skippedMessages: 0,
  changes: [],
  indexOnly: [],
});

const COUNTS = [
  'threads',
  'conversationsAdded',
  'conversationsUpdated',
  'conversationsUnchanged',
  'conversationsDeleted',
  'messagesAdded',
  'messagesCompleted',
  'indexOnlyThreads',
  'nonTextParts',
  'skippedMessages',
] as const;

export function totalsOf(users: readonly UserReport[]): MigrationReport['totals'] {
  const totals = { users: users.length } as MigrationReport['totals'];
  for (const key of COUNTS) totals[key] = users.reduce((sum, user) => sum + user[key], 0);
  return totals;
}

/**
 * Where a report goes: the path a name leads to (through symbolic links, one whose target is
 * missing too), and what is there.
 */
export interface ReportTarget {
  path: string;
  existing: Stats | null;
  /**
   * A device or pipe, or any name under `/dev/` or `/proc/` (`/dev/stdout`), is written to as
   * it is; a file is replaced whole, by a new file in its folder renamed over it.
   */
  inPlace: boolean;
}

export async function reportTarget(file: string): Promise<ReportTarget> {
  const resolved = await realpath(file).catch((error: unknown) => {
    if (isCode(error, 'ENOENT')) return danglingTarget(file);
    throw error;
  });
  const existing = await stat(resolved).catch((error: unknown) => {
    if (isCode(error, 'ENOENT')) return null;
    throw error;
  });
  // `/dev/stdout` leads to whatever the shell sent it to, often a file holding the summary.
  const device = /^\/(dev|proc)\//.test(path.resolve(file));
  return { path: resolved, existing, inPlace: device || (existing !== null && !existing.isFile()) };
}

/**
 * Where a name that leads to nothing yet is to be created: itself, or, for a symbolic link
 * whose target is missing, that target (as shell redirection creates it), not a file in the
 * link's place.
 */
async function danglingTarget(file: string): Promise<string> {
  let at = path.resolve(file);
  // The kernel's own limit on links followed in one lookup.
  for (let hops = 0; hops < 40; hops++) {
    const link = await readlink(at).catch((error: unknown) => {
      // Not a link (EINVAL), or nothing there at all.
      if (isCode(error, 'EINVAL', 'ENOENT', 'ENOTDIR')) return null;
      throw error;
    });
    if (link === null) return at;
    // A relative target is taken from the link's folder, as the folder really is.
    const dir = await realpath(path.dirname(at)).catch(() => path.dirname(at));
    at = path.resolve(dir, link);
  }
  throw new Error('too many levels of symbolic links (ELOOP)');
}

/**
 * A file is replaced whole (`writeFileAtomic`), so a crash or a full disk never leaves half a
 * report, or an earlier run's report cut short: the file a symbolic link leads to, keeping its
 * mode (or created, when the link leads to nothing yet). A device or pipe is written to.
 */
export async function writeReportFile(file: string, report: MigrationReport): Promise<void> {
  const text = `${JSON.stringify(report, null, 2)}\n`;
  const target = await reportTarget(file);
  // Appended: a file behind `/dev/stdout` keeps what was written to it before.
  if (target.inPlace) return writeFile(target.path, text, { flag: 'a' });
  const mode = target.existing ? target.existing.mode & 0o7777 : null;
  await writeFileAtomic(target.path, text, {
    beforeRename: async (temp) => {
      if (mode !== null) await chmod(temp, mode);
    },
  });
}

/** Human-readable summary. A dry run lists every change it would make. */
export function formatReport(report: MigrationReport): string {
  const lines: string[] = [];
  const would = report.mode === 'dry-run';
  if (report.mode !== 'verify') {
    for (const user of report.users) {
      lines.push(
        `${user.user}: ${count(user.threads, 'thread')}; ${would ? 'would add' : 'added'} ` +
          `${count(user.conversationsAdded, 'conversation')}, ${would ? 'would update' : 'updated'} ` +
          `${user.conversationsUpdated}, ${count(user.messagesAdded, 'message')} ` +
          `(${user.indexOnlyThreads} index-only, ${count(user.nonTextParts, 'non-text part')} kept` +
          `${user.skippedMessages ? `, ${count(user.skippedMessages, 'message')} skipped` : ''})` +
          (user.messagesCompleted
            ? `; ${count(user.messagesCompleted, 'unfinished message')} completed`
            : '') +
          (user.conversationsDeleted
            ? `; ${count(user.conversationsDeleted, 'conversation')} deleted by the user left out`
            : ''),
      );
      if (!would) continue;
      for (const change of user.changes) {
        const sign = change.action === 'add' ? '+' : '~';
        const what =
          change.action === 'add'
            ? change.indexOnly
              ? 'index only, no messages'
              : count(change.messagesAdded, 'message')
            : `+${count(change.messagesAdded, 'message')}` +
              (change.messagesCompleted ? `, ${change.messagesCompleted} completed` : '');
        lines.push(`  ${sign} ${change.conversationId} "${change.chatName}" (${what})`);
      }
    }
  }
  if (report.verify) {
    const { checkedConversations, deletedConversations, checkedMessages, problems } = report.verify;
    const deleted = deletedConversations ? ` (${deletedConversations} deleted by their users)` : '';
    lines.push(
      `verify: ${count(checkedConversations, 'conversation')}${deleted}, ` +
        `${count(checkedMessages, 'message')} checked, ${count(problems.length, 'problem')}`,
    );
    for (const problem of problems) {
      const where = problem.messageId ? `${problem.thread} ${problem.messageId}` : problem.thread;
      lines.push(`  ! ${problem.user} ${where}: ${problem.reason}`);
    }
  }
  for (const failure of report.failures) {
    const where = [failure.user, failure.file, failure.thread].filter(Boolean).join(' ');
    lines.push(`failed: ${where}: ${failure.reason}`);
  }
  const { totals } = report;
  if (report.mode !== 'verify') {
    lines.push(
      `${would ? 'Dry run, nothing written' : 'Done'}: ${count(totals.users, 'user')}, ` +
        `${count(totals.threads, 'thread')}, ` +
        `${count(totals.conversationsAdded, 'conversation')} ${would ? 'to add' : 'added'}, ` +
        `${totals.conversationsUpdated} ${would ? 'to update' : 'updated'}, ` +
        `${count(totals.messagesAdded, 'message')} ${would ? 'to add' : 'added'}.`,
    );
  }
  if (report.backupPath) lines.push(`Originals backed up to ${report.backupPath}`);
  lines.push(
    `Status: ${report.status}${report.failures.length ? ` (${count(report.failures.length, 'failure')})` : ''}, ` +
      `${(report.durationMs / 1000).toFixed(1)}s.`,
  );
  return lines.join('\n');
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
