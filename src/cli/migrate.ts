import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import OpenAI from 'openai';
import { ConfigError, loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { createThreadFetcher } from '../migrate/live-fetch.js';
import { createProgress } from '../migrate/progress.js';
import { formatReport, reportTarget, writeReportFile } from '../migrate/report.js';
import { runMigration } from '../migrate/run.js';
import {
  assistantsSources,
  chatGptSources,
  MigrationSetupError,
  type SourceList,
} from '../migrate/sources.js';
import type { MigrationMode } from '../migrate/types.js';
import { validateUsername } from '../services/store/validate.js';
import { createUserService } from '../services/users.js';

/** Exit codes, as documented in HELP. */
export const EXIT = { complete: 0, partial: 1, usage: 2, cannotRun: 3 } as const;

const HELP = `Usage: threadline migrate [options]
       threadline migrate --from chatgpt --user NAME conversations.json [options]

Turns a legacy Assistants-API app's data into Threadline conversations in DATA_DIR/chats,
merged into what is there (conversations created since are kept). Re-running changes nothing
that is already migrated, and does not bring back conversations their users deleted since
(see --restore-deleted). The data directory's files are backed up to
DATA_DIR/migration-backup/<time>/ before the first write.

Sources (assistants):
  --legacy DIR        The old static/chats folder: one {username}.json thread index per user
                      (default static/chats)
  --messages DIR      Saved list-messages exports, one {thread_id}.json per thread
  --fetch             Fetch each thread's messages from the API (OPENAI_API_KEY, OPENAI_BASE_URL)
  --user NAME         Only this user
Threads with no messages found still become conversations and are reported as index-only.

Source (chatgpt):
  --from chatgpt      Import a ChatGPT data export's conversations.json (given as argument),
                      the visible branch of each conversation
  --user NAME         The Threadline user who owns the imported conversations (required)

Options:
  --from SOURCE       assistants (default) or chatgpt
  --data-dir DIR      Where conversations are stored (env DATA_DIR, default ./data)
  --dry-run           Write nothing; print every conversation that would be added or updated
  --verify            Write nothing; check that every legacy message is in the store
  --restore-deleted   Also bring back migrated conversations their users have deleted
  --report FILE       Also write the full report as JSON
  --concurrency N     Threads read or fetched at once (default 8)
  -h, --help          Show this help

Exit codes:
  0  complete: everything migrated (or, with --verify, every message found)
  1  partial: a file, thread or fetch failed (listed), or --verify found messages missing
  2  usage error
  3  could not run: the data directory is in use (stop the server first) or not usable, or a
     source is missing or unreadable; or the migration ran but its --report file could not be
     written`;

interface Values {
  legacy?: string;
  'data-dir'?: string;
  messages?: string;
  fetch?: boolean;
  from?: string;
  user?: string;
  'dry-run'?: boolean;
  verify?: boolean;
  'restore-deleted'?: boolean;
  report?: string;
  concurrency?: string;
  help?: boolean;
}

class UsageError extends Error {}

/** @param progressTo where the progress bar or lines go @default process.stderr */
export async function run(
  argv: string[],
  progressTo: Writable & { isTTY?: boolean } = process.stderr,
): Promise<number> {
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        legacy: { type: 'string' },
        'data-dir': { type: 'string' },
        messages: { type: 'string' },
        fetch: { type: 'boolean' },
        from: { type: 'string' },
        user: { type: 'string' },
        'dry-run': { type: 'boolean' },
        verify: { type: 'boolean' },
        'restore-deleted': { type: 'boolean' },
        report: { type: 'string' },
        concurrency: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`threadline migrate: ${(error as Error).message}\n\n${HELP}`);
    return EXIT.usage;
  }
  if (values.help) {
    console.log(HELP);
    return EXIT.complete;
  }

  try {
    const mode = modeOf(values);
    const config = loadConfig(process.env, { 'data-dir': values['data-dir'] });
    const source = values.from ?? 'assistants';
    if (values.report) await checkWritable(values.report);
    checkUser(values.user);
    const sources = await readSources(source, values, positionals, config);
    const report = await runMigration({
      source: source as 'assistants' | 'chatgpt',
      mode,
      dataDir: config.dataDir,
      sources,
      originals: sources.users.map((user) => user.file),
      progress: (total) => createProgress(total, 'threads', progressTo),
      logger: createLogger('warn'),
      restoreDeleted: values['restore-deleted'] ?? false,
    });
    console.log(formatReport(report));
    if (mode !== 'verify') {
      const hint = await signInHint(
        config.dataDir,
        report.users.map((user) => user.user),
      );
      if (hint) console.log(hint);
    }
    if (values.report) {
      try {
        await writeReportFile(values.report, report);
      } catch (error) {
        console.error(
          `threadline migrate: could not write the report to ${values.report}: ${(error as Error).message}`,
        );
        return EXIT.cannotRun;
      }
    }
    return report.status === 'complete' ? EXIT.complete : EXIT.partial;
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      console.error(`threadline migrate: ${error.message}\n\nRun "threadline migrate --help".`);
      return EXIT.usage;
    }
    if (error instanceof MigrationSetupError) {
      console.error(`threadline migrate: ${error.message}`);
      return EXIT.cannotRun;
    }
    throw error;
  }
}

/**
 * Migrated users need a sign-in of their own to see their conversations: say who has none yet
 * and how to make one. Nothing when the users file cannot be read (`serve` says why).
 */
async function signInHint(dataDir: string, migrated: string[]): Promise<string | null> {
  const users = await createUserService({ dataDir })
    .list()
    .catch(() => null);
  if (!users) return null;
  const known = new Set(users.map((user) => user.name));
  const without = migrated.filter((name) => !known.has(name));
  if (without.length === 0) return null;
  return (
    `No sign-in yet for ${without.join(', ')}: make one each with ` +
    `"threadline users add NAME" (npm run users -- add NAME), which prints its token.`
  );
}

/** A report that cannot be written is refused before anything is migrated. */
async function checkWritable(file: string): Promise<void> {
  try {
    const target = await reportTarget(file);
    if (target.existing?.isDirectory()) {
      throw new UsageError(`--report ${file} is a folder; name a file`);
    }
    // Written to as it is, or as a new file in its folder renamed over it (`writeReportFile`).
    const writes = target.inPlace ? target.path : path.dirname(target.path);
    if (!target.existing && !(await fs.stat(writes)).isDirectory()) {
      throw new UsageError(`--report ${file}: ${writes} is not a folder`);
    }
    await fs.access(writes, constants.W_OK);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--report ${file}: ${(error as Error).message}`);
  }
}

/** A username the store would refuse: said as such, before any source is read. */
function checkUser(user: string | undefined): void {
  if (user === undefined) return;
  try {
    validateUsername(user);
  } catch (error) {
    throw new UsageError(`--user: ${(error as Error).message}`);
  }
}

function modeOf(values: Values): MigrationMode {
  if (values['dry-run'] && values.verify) {
    throw new UsageError('--dry-run and --verify cannot be combined (both write nothing)');
  }
  return values.verify ? 'verify' : values['dry-run'] ? 'dry-run' : 'migrate';
}

async function readSources(
  source: string,
  values: Values,
  positionals: string[],
  config: ReturnType<typeof loadConfig>,
): Promise<SourceList> {
  const concurrency = wholeNumber(values.concurrency ?? '8', '--concurrency');
  if (source === 'chatgpt') {
    const [file, ...extra] = positionals;
    if (!file || extra.length > 0) {
      throw new UsageError('--from chatgpt takes one conversations.json file');
    }
    if (!values.user) throw new UsageError('--from chatgpt needs --user NAME to own the import');
    if (values.messages || values.fetch || values.legacy) {
      throw new UsageError('--messages, --fetch and --legacy are for --from assistants');
    }
    return chatGptSources(file, values.user);
  }
  if (source !== 'assistants') throw new UsageError(`--from must be assistants or chatgpt`);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  let fetchThread: ReturnType<typeof createThreadFetcher> | undefined;
  if (values.fetch) {
    if (!config.openaiApiKey) throw new UsageError('--fetch needs OPENAI_API_KEY');
    const client = new OpenAI({
      apiKey: config.openaiApiKey,
      baseURL: config.openaiBaseUrl,
      maxRetries: config.maxRetries,
      timeout: config.timeoutMs,
    });
    fetchThread = createThreadFetcher(client);
  }
  const list = await assistantsSources({
    legacyDir: values.legacy ?? 'static/chats',
    dataDir: config.dataDir,
    messagesDir: values.messages,
    fetchThread,
    concurrency,
  });
  if (values.user) {
    list.users = list.users.filter((user) => user.user === values.user);
    list.failures = list.failures.filter((failure) => failure.user === values.user);
    if (list.users.length === 0) {
      throw new MigrationSetupError(
        `no thread index for user "${values.user}" in the legacy folder`,
      );
    }
  }
  return list;
}

function wholeNumber(raw: string, flag: string): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > 256) {
    throw new UsageError(`${flag} must be a whole number from 1 to 256, got "${raw}"`);
  }
  return value;
}
