import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands.js';
import { InputError } from '../ingest/open.js';
import { ScenarioError } from '../scenario/validate.js';

/** Build the commander program. Each command lives in its own file under src/cli/. */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('vcpu-replay')
    .description('What would this captured VM workload have seen under another vCPU scheduling policy?')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  registerCommands(program);
  return program;
}

/** Run the CLI; returns the exit code. Expected errors print one clear line, not a stack. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof InputError || err instanceof ScenarioError || (err as { userError?: boolean }).userError) {
      process.stderr.write(`vcpu-replay: ${(err as Error).message}\n`);
      return 2;
    }
    throw err;
  }
}

/** A user-facing error (bad option, missing probe task...): printed without a stack trace. */
export class UsageError extends Error {
  readonly userError = true;
}

const isEntry = process.argv[1] && /[\\/]cli[\\/]main\.[jt]s$/.test(process.argv[1]);
if (isEntry) {
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`vcpu-replay: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
