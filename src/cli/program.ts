// The `asyncapi-guard` command line: parses flags with commander, hands them to one command
// module, returns the exit code: 0 ok, 1 findings at or above --fail-on, 2 could not run
// (docs/cli.md). main.ts runs it.

import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { reportFormats } from '../index.js';
import { runCheck, type CheckFlags } from './check.js';
import { EXIT_COULD_NOT_RUN, EXIT_OK, reportFailure } from './exit.js';
import { runModel, type ModelFlags } from './model.js';
import { processIo, type CliIo } from './output.js';

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const CHECK_EXAMPLES = `
Examples:
  $ asyncapi-guard check asyncapi.yaml
  $ asyncapi-guard check 'specs/**/*.yaml' --format sarif > asyncapi-guard.sarif
  $ asyncapi-guard check asyncapi.yaml --fail-on warning --rule security-scheme-unused=off
  $ asyncapi-guard check asyncapi.yaml --format json | jq '.summary'

Exit codes:
  0  no finding at or above --fail-on
  1  a finding at or above --fail-on
  2  could not run: a document could not be checked, or bad flags or config
`;

const MODEL_EXAMPLES = `
Examples:
  $ asyncapi-guard model asyncapi.yaml
  $ asyncapi-guard model asyncapi.yaml --format json > model.json
`;

const MAIN_EXAMPLES = `
Examples:
  $ asyncapi-guard check asyncapi.yaml
  $ asyncapi-guard check 'specs/**/*.yaml' --format sarif > asyncapi-guard.sarif
  $ asyncapi-guard model asyncapi.yaml --format json

Exit codes: 0 ok, 1 findings at or above --fail-on, 2 could not run.
Docs: https://github.com/asyncapi-guard/asyncapi-guard/blob/main/docs/cli.md
`;

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function createProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('asyncapi-guard')
    .description('Make the security an AsyncAPI document declares real: audit it, enforce it, prove it.')
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .addHelpText('after', MAIN_EXAMPLES)
    .showSuggestionAfterError(true)
    .exitOverride()
    // Commander puts its suggestion on a second line; errors are one line here.
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: (text, write) => write(`${text.trimEnd().replace(/\n+/g, ' ')}\n`) });

  program
    .command('check')
    .description("validate AsyncAPI documents and audit their security; pretty, json or sarif output")
    .argument('<documents...>', 'document files or globs (*, **, ?), quoted so the shell leaves them alone')
    .addOption(new Option('--format <format>', 'report format (default: pretty on a terminal, else json)').choices(reportFormats))
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding has this severity or higher (default: error)').choices(['error', 'warning', 'info']))
    .option('--rule <id=severity>', 'set a rule to off|info|warning|error (repeatable; overrides the config file)', collect)
    .option('--config <file>', 'config file (default: asyncapi-guard.yaml in the current folder, if present)')
    .option('--allow-remote-refs', 'fetch $refs to http(s) URLs (bounded in size and time)')
    .option('--no-color', 'no colors in pretty output')
    .addHelpText('after', CHECK_EXAMPLES)
    .action(async (documents: string[], flags: CheckFlags) => {
      setExit(await runCheck(documents, flags, io, version));
    });

  program
    .command('model')
    .description('print the normalized security model: per server and per operation, the alternatives that satisfy it')
    .argument('<document>', 'document file')
    .addOption(new Option('--format <format>', 'output format (default: pretty on a terminal, else json)').choices(['json', 'pretty']))
    .option('--allow-remote-refs', 'fetch $refs to http(s) URLs (bounded in size and time)')
    .option('--no-color', 'no colors in pretty output')
    .addHelpText('after', MODEL_EXAMPLES)
    .action(async (document: string, flags: ModelFlags) => {
      setExit(await runModel(document, flags, io));
    });

  // Settings given above (exitOverride, output, suggestions) are inherited by the commands.
  // Commander's own errors (unknown command or option, bad choice, missing argument) are
  // printed by commander on one line; main() turns them into exit code 2.
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const io = processIo();
  let exitCode: number = EXIT_OK;
  const program = createProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with code 0; everything else (including no command at all,
      // which prints the help on stderr) is a usage error.
      return err.exitCode === 0 ? EXIT_OK : EXIT_COULD_NOT_RUN;
    }
    return reportFailure(err, io);
  }
}
