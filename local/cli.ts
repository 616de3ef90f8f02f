// The `ecr-lifecycle` command line: sweep a registry (embedded or an AWS account), print the policy, the rules or
// the settings, serve the embedded ECR endpoint. Exit status: 0 done, 1 some repositories failed, 2 bad input (nothing changed).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ecrClient } from '../functions/lib/ecr-client';
import { lifecyclePolicyText } from '../functions/lib/lifecycle-policy';
import type { Report } from '../functions/lib/report';
import { SettingsError, parseSettings, runSettings, type RunSettings, type Settings } from '../functions/lib/settings';
import type { RepositoryPage } from '../functions/steps/list-cached-repositories';
import { readRegistryFile, serializeRegistry } from './ecr/registry-file';
import { startEcrEndpoint } from './ecr/server';
import { exitStatus, formatSummary, summarize } from './report-format';
import { PROJECT_ROOT, runSweep, type ExecutionEvent, type LocalExecution } from './runner';
import { awsTarget } from './aws-target';
import { BadEvent, sweepEvent } from './event-sweep';
import { ConfigurationError, configuredRules } from '../deploy/derived';
import { RulesInputError, rulesCommand, type RulesOptions } from './rules-command';
import { settingsMarkdownTable, settingsTable } from './settings-table';

export const EXIT = { done: 0, failed: 1, badInput: 2 } as const;

export const DEMO_REGISTRY = path.join(PROJECT_ROOT, 'fixtures', 'demo-registry.json');

/** Bad input: reported as one line, exit 2, before anything is changed. */
class BadInput extends Error {}

interface SweepOptions {
  registry?: string;
  demo?: boolean;
  aws?: boolean;
  dryRun?: boolean;
  now?: string;
  json?: boolean;
  registryOut?: string;
  event?: string;
  param: Record<string, string>;
  verbose?: boolean;
}

export async function main(argv: string[], io = { out: process.stdout, err: process.stderr }): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
    return program.getOptionValue('exitCode') ?? EXIT.done;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0
        ? EXIT.done
        : EXIT.badInput;
    }
    if (error instanceof BadInput) {
      io.err.write(`ecr-lifecycle: ${error.message}\n`);
      return EXIT.badInput;
    }
    throw error;
  }
}

function buildProgram(io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream }): Command {
  const program = new Command('ecr-lifecycle')
    .description('Keeps Amazon ECR pull-through cache repositories small: lifecycle policies and expiry of unpulled images.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out.write(s), writeErr: (s) => io.err.write(s) });
  const paramOption = () =>
    new Option('--param <name=value>', 'a stage setting (repeatable), e.g. keepImages=2; `ecr-lifecycle params` lists them')
      .argParser(collectParam)
      .default({}, 'none');

  program
    .command('sweep')
    .description('run the sweep state machine on this machine, against an embedded ECR or an AWS account')
    .option('--registry <file>', 'registry file to seed the embedded ECR endpoint with (never written to)')
    .option('--demo', 'sweep the bundled demo registry (fixtures/demo-registry.json)')
    .option('--aws', 'sweep the account and region of the environment\'s AWS credentials (try --dry-run first)')
    .option('--dry-run', 'change nothing; report what would change')
    .option('--now <iso>', 'reference time for pull age (default: the execution start)', isoTime)
    .option('--json', 'print the report as JSON on stdout')
    .option('--registry-out <file>', 'write the embedded registry\'s final state there (same format)')
    .option('--verbose', 'print the handlers\' structured log lines')
    .option('--event <file>', 'run the new-repository path for one EventBridge event (with --registry or --demo)')
    .addOption(paramOption())
    .exitOverride()
    .action(async (options: SweepOptions) => {
      program.setOptionValue('exitCode', await sweep(options, io));
    });

  program
    .command('policy')
    .description('print the lifecycle policy text the tool applies')
    .addOption(paramOption())
    .exitOverride()
    .action((options: { param: Record<string, string> }) => {
      io.out.write(`${lifecyclePolicyText(stageSettings(options.param).keepImages)}\n`);
    });

  program
    .command('params')
    .description('list every stage setting (--param, serverless --param): name, default, allowed values, meaning')
    .option('--markdown', "as the Markdown table of the README's configuration section")
    .exitOverride()
    .action((options: { markdown?: boolean }) => {
      io.out.write(options.markdown ? settingsMarkdownTable() : settingsTable());
    });

  program
    .command('rules')
    .description('print the pull-through cache rules of a rules file and what each upstream needs; --check only validates it')
    .option('--file <file>', 'rules file (default: the stage setting pullThroughCacheRulesFile)')
    .option('--check', 'validate the file without packaging: exit 0 when it is fine, 2 with every problem')
    .addOption(paramOption())
    .exitOverride()
    .action((options: RulesOptions & { param: Record<string, string> }) => {
      const settings = stageSettings(options.param);
      try {
        program.setOptionValue('exitCode', rulesCommand(options, settings, io.out));
      } catch (error) {
        throw error instanceof RulesInputError ? new BadInput(error.message) : error;
      }
    });

  program
    .command('serve')
    .description('run the embedded ECR endpoint in the foreground, for other clients (aws ecr ... --endpoint-url URL)')
    .requiredOption('--registry <file>', 'registry file to seed it with')
    .option('--port <n>', 'port on 127.0.0.1 (default: a free one)', port)
    .exitOverride()
    .action(async (options: { registry: string; port?: number }) => {
      const endpoint = await startEcrEndpoint(loadRegistry(options.registry), { port: options.port });
      io.out.write(`Embedded ECR endpoint: ${endpoint.url}\nTry: aws ecr describe-repositories --endpoint-url ${endpoint.url} --region us-east-1\nCtrl-C stops it.\n`);
      await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
      await endpoint.close();
    });
  return program;
}

async function sweep(options: SweepOptions, io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream }): Promise<number> {
  const sources = [options.registry, options.demo, options.aws].filter(Boolean).length;
  if (sources !== 1) throw new BadInput('sweep needs exactly one of --registry FILE, --demo, --aws');
  if (options.aws && options.registryOut) throw new BadInput('--registry-out goes with an embedded registry, not --aws');
  const settings = stageSettings(options.param);
  if (options.event) {
    if (options.aws) throw new BadInput('--event runs on this machine: use it with --registry FILE or --demo, not --aws');
    if (options.now) throw new BadInput('--now does not go with --event: an event\'s execution is judged as of its start');
    // As a deployment with dryRun would: the event path's executions carry only the repository name.
    const eventSettings = runSettingsOf({ ...settings, dryRun: settings.dryRun || Boolean(options.dryRun) });
    const eventOptions = { ...options, settings: eventSettings, registryFile: options.registry ?? DEMO_REGISTRY, eventFile: options.event };
    return sweepEvent(eventOptions, io).catch((error: Error) => {
      throw error instanceof BadEvent ? new BadInput(error.message) : error;
    });
  }

  const input = { ...(options.dryRun ? { dryRun: true } : {}), ...(options.now ? { referenceTime: options.now } : {}) };
  const progress = progressLine(io.err);
  const common = { input, settings: runSettingsOf(settings), verbose: options.verbose, onEvent: progress.onEvent };

  let execution: LocalExecution;
  if (options.aws) {
    const target = await awsTarget(ecrClient()).catch((error: Error) => {
      throw new BadInput(error.message);
    });
    io.err.write(`Sweeping ECR of account ${target.account} in ${target.region}${options.dryRun ? ' (dry run)' : ''}\n`);
    // The SDK takes region, credentials and any endpoint from the environment, as it would on Lambda.
    execution = await runSweep(common);
  } else {
    const registry = loadRegistry(options.registry ?? DEMO_REGISTRY);
    const endpoint = await startEcrEndpoint(registry);
    try {
      execution = await runSweep({
        ...common,
        ecr: { endpoint: endpoint.url, region: 'us-east-1', credentials: { accessKeyId: 'embedded', secretAccessKey: 'embedded' } },
      });
      if (options.registryOut) writeFileSync(options.registryOut, `${JSON.stringify(serializeRegistry(endpoint.registry()), null, 2)}\n`);
    } finally {
      await endpoint.close();
    }
  }
  progress.done();

  const summary = summarize(execution, { dryRun: Boolean(options.dryRun), referenceTime: options.now ?? '(execution start)' });
  io.out.write(options.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary)}\n`);
  return exitStatus(summary);
}

/** The stage settings `--param` gives; an unknown name or a value out of range is bad input, before anything runs. */
function stageSettings(param: Record<string, string>): Settings {
  try {
    return parseSettings(param);
  } catch (error) {
    throw error instanceof SettingsError ? new BadInput(error.message) : error;
  }
}

/** What the steps read: with the rules file's prefixes when the stage manages only those, derived as packaging does. */
function runSettingsOf(settings: Settings): RunSettings {
  try {
    return runSettings(settings, configuredRules(settings).managedPrefixes);
  } catch (error) {
    throw error instanceof ConfigurationError ? new BadInput(error.problems.join('; ')) : error;
  }
}

function loadRegistry(file: string) {
  try {
    return readRegistryFile(file);
  } catch (error) {
    throw new BadInput((error as Error).message);
  }
}

/**
 * On a terminal, one line on stderr that follows the sweep: repositories listed so far, cached ones done, failures.
 * It reads the execution's events, so it moves with every repository rather than every page.
 */
function progressLine(err: NodeJS.WritableStream & { isTTY?: boolean }) {
  const tty = Boolean(err.isTTY);
  let scanned = 0;
  let cached = 0;
  let done = 0;
  let failed = 0;
  let shown = 0;
  const show = () => {
    const now = Date.now();
    if (now - shown < 100) return;
    shown = now;
    err.write(`\r${scanned} repositories listed, ${done} of ${cached} cached ones done, ${failed} failed`);
  };
  return {
    onEvent: (event: ExecutionEvent) => {
      if (!tty) return;
      if (event.type === 'StateExited' && event.state?.name === 'ListCachedRepositories') {
        const page = (event.state.output as { page: RepositoryPage }).page;
        scanned += page.scanned;
        cached += page.cached;
      } else if (event.type === 'StateExited' && event.state?.name === 'TallyReport') {
        failed = (event.state.output as { report: Report }).report.failed;
      } else if (event.type === 'MapIterationSucceeded' && event.parentState?.name === 'ManageEachRepository') {
        done += 1;
      } else {
        return;
      }
      show();
    },
    done: () => {
      if (tty) err.write('\r\x1b[K');
    },
  };
}

function collectParam(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq < 1) throw new InvalidArgumentError('expected name=value');
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

function isoTime(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new InvalidArgumentError('expected an ISO 8601 time with a zone, e.g. 2026-11-28T00:00:00Z');
  }
  return value;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError('expected a port number 1..65535');
  return n;
}
