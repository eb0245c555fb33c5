#!/usr/bin/env node
import { ConfigError } from './config.js';
import { errorReason } from './services/guards.js';

/** Each command lives in its own module, loaded only when it runs. */
const COMMANDS = {
  serve: { summary: 'Serve the GraphQL API and the web app', load: () => import('./cli/serve.js') },
  migrate: {
    summary: 'Import legacy Assistants-API threads or a ChatGPT export',
    load: () => import('./cli/migrate.js'),
  },
  users: {
    summary: 'Add, list or remove users and their tokens',
    load: () => import('./cli/users.js'),
  },
  emulator: {
    summary: 'Run the local Responses API emulator alone',
    load: () => import('./cli/emulator.js'),
  },
} as const;

export interface CommandModule {
  run(argv: string[]): Promise<number>;
}

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `Usage: threadline <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun "threadline <command> --help" for a command's options.`;
}

async function main(argv: string[]): Promise<number> {
  const name = argv[0];
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  // An own property only: `toString` is no command.
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name as keyof typeof COMMANDS] : null;
  if (!command) {
    console.error(`Unknown command "${name}".\n\n${usage()}`);
    return 2;
  }
  const module: CommandModule = await command.load();
  return module.run(argv.slice(1));
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Expected start-up failures are one clear line; anything else keeps its stack.
    if (
      error instanceof ConfigError ||
      (error instanceof Error && error.name === 'StorageError') ||
      isSystemError(error)
    ) {
      console.error(`threadline: ${errorReason(error)}`);
    } else {
      console.error(error);
    }
    process.exitCode = 1;
  },
);

/**
 * A refusal by the system (a port in use, a path that is a file, no permission): its message
 * names the call and the path, which is what an operator needs; its stack is Node's own.
 */
function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return (
    error instanceof Error &&
    typeof (error as NodeJS.ErrnoException).code === 'string' &&
    typeof (error as NodeJS.ErrnoException).syscall === 'string'
  );
}
