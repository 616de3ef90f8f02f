// The `ecr-lifecycle` command line: sweep a registry (embedded or an AWS account), remove the tool's policies, play
// ECR's lifecycle evaluation on a registry file, print the policy, the rules or the settings, serve the embedded ECR
// endpoint, publish the stack for CloudFormation StackSets. Exit status: 0 done, 1 some repositories failed, 2 bad input (nothing changed).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { lifecyclePolicyText } from '../functions/lib/lifecycle-policy';
import type { Report } from '../functions/lib/report';
import { DEFAULT_STAGE, SettingsError, parseSettings, type RunSettings, type Settings } from '../functions/lib/settings';
import type { RepositoryPage } from '../functions/steps/list-cached-repositories';
import { serializeRegistry } from './ecr/registry-file';
import { startEcrEndpoint, type EcrEndpoint } from './ecr/server';
import { exitStatus, formatSummary, summarize } from './report-format';
import { PROJECT_ROOT, runSweep, type ExecutionEvent, type LocalExecution } from './runner';
import { confirmedAwsAccount } from './aws-target';
import { removePoliciesCommand, type RemovePoliciesOptions } from './remove-policies';
import { BadInput, DEMO_REGISTRY, loadRegistry, registryArgument, type CliIo } from './command-input';
import { futureReferenceTimeProblem, listenProblem, outputFileProblem, referenceTimeProblem, sameFileProblem, unknownPrefixWarning } from './cli-checks';
import { planRecorder } from './plan';
import { asDeployedStack } from './stack-roles';
import { manifestAccess } from './pull-time-exclusion';
import { ecrClient } from '../functions/lib/ecr-client';
import { BadEvent, sweepEvent } from './event-sweep';
import { ConfigurationError, configuredRunSettings, localStageProblems, rawSettings, repeatedParamProblems } from '../deploy/derived';
import type { CheckedRule } from '../functions/lib/pull-through-cache-rules';
import { ECR_REPOSITORY_PREFIX, ROOT_PREFIX } from '../functions/lib/cached-repositories';
import { prefixSettings } from '../functions/lib/repository-settings';
import { RulesInputError, rulesCommand, type RulesOptions } from './rules-command';
import { settingsMarkdownTable, settingsTable } from './settings-table';
import { evaluatePolicies, formatPolicyEvaluation } from './evaluate-policies';
import { publishCommand, type PublishOptions } from './publish';
import { untilStopped } from './foreground';

export const EXIT = { done: 0, failed: 1, badInput: 2 } as const;

interface SweepOptions {
  registry?: string;
  demo?: boolean;
  aws?: boolean;
  dryRun?: boolean;
  now?: string;
  json?: boolean;
  registryOut?: string;
  event?: string;
  param: string[];
  verbose?: boolean;
  plan?: string;
  profile?: string;
  region?: string;
  stage?: string;
  yes?: boolean;
}

export async function main(argv: string[], io: CliIo = { out: process.stdout, err: process.stderr, in: process.stdin }): Promise<number> {
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

function buildProgram(io: CliIo): Command {
  const program = new Command('ecr-lifecycle')
    .description('Keeps Amazon ECR pull-through cache repositories small: lifecycle policies and expiry of unpulled images.')
    .version(packageVersion(), '--version', 'print the version and exit')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out.write(s),
      writeErr: (s) => io.err.write(s),
      // The option parser's errors read as the tool's own: its prefix, one line, "(did you mean ...?)".
      outputError: (s, write) => write(s.replace(/^error: /, 'ecr-lifecycle: ').replace(/\n\(Did you mean (.+)\)\n$/, ' (did you mean $1)\n')),
    });
  const paramOption = () =>
    new Option('--param <name=value>', 'a stage setting (repeatable, each name once), e.g. keepImages=2; `ecr-lifecycle params` lists them')
      .argParser(collectParam)
      .default([], 'none');

  program
    .command('sweep')
    .description('run the sweep state machine on this machine, against an embedded ECR or an AWS account')
    .option('--registry <file>', 'registry file to seed the embedded ECR endpoint with (never written to)')
    .option('--demo', 'sweep the bundled demo registry (fixtures/demo-registry.json)')
    .option('--aws', 'sweep the account and region of the environment\'s AWS credentials (try --dry-run first)')
    .option('--dry-run', 'change nothing; report what would change')
    .option('--now <iso>', 'reference time for pull age (default: the execution start; a future one is refused by a real --aws sweep, warned of otherwise); not with --event, whose execution is judged as of its start')
    .option('--json', 'print the report as JSON on stdout')
    .option('--registry-out <file>', 'write the embedded registry\'s final state there (same format)')
    .option('--verbose', 'print the steps\' structured log lines and metrics on stderr')
    .option('--event <file>', 'run the new-repository path for one EventBridge event (with --registry or --demo; as of the execution start, so no --now)')
    .option('--plan <file>', 'write the plan there: every cached repository, its action and the images expired (or that would be), with sizes')
    .option('--profile <name>', 'with --aws: the AWS profile to use (shared config and credentials files, as the AWS CLI reads them)')
    .option('--region <region>', 'with --aws: the region to sweep (default: as the SDK resolves it, AWS_REGION or the profile\'s)')
    .option('--yes', 'with --aws and without --dry-run: change the account without asking (needed when stdin is not a terminal)')
    .option('--stage <name>', `the stage the metrics of --verbose name in their stage dimension, as serverless --stage (default ${DEFAULT_STAGE})`)
    .addOption(paramOption())
    .exitOverride()
    .action(async (options: SweepOptions) => {
      program.setOptionValue('exitCode', await sweep(options, io));
    });

  program
    .command('remove-policies')
    .description("remove this tool's lifecycle policies (every rule carries its marker) from every repository, never a person's: the uninstall, after serverless remove (README.md, Uninstall)")
    .option('--registry <file>', 'registry file to seed the embedded ECR endpoint with (never written to)')
    .option('--demo', 'the bundled demo registry (fixtures/demo-registry.json)')
    .option('--aws', "the account and region of the environment's AWS credentials (try --dry-run first)")
    .option('--registry-out <file>', "write the embedded registry's final state there (needed with --registry or --demo unless --dry-run)")
    .option('--dry-run', 'change nothing; list the repositories whose policy would be removed')
    .option('--yes', 'with --aws and without --dry-run: change the account without asking (needed when stdin is not a terminal)')
    .option('--profile <name>', 'with --aws: the AWS profile to use')
    .option('--region <region>', 'with --aws: the region (default: as the SDK resolves it, AWS_REGION or the profile\'s)')
    .exitOverride()
    .action(async (options: RemovePoliciesOptions) => {
      program.setOptionValue('exitCode', await removePoliciesCommand(options, io));
    });

  program
    .command('policy')
    .description("print the lifecycle policy text the tool applies: the stage's, or with --prefix that prefix's (settingsFile)")
    .option('--prefix <ecrRepositoryPrefix>', 'the pull-through cache prefix whose policy to print')
    .addOption(paramOption())
    .exitOverride()
    .action((options: { prefix?: string; param: string[] }) => {
      const settings = stageSettings(options.param);
      const { run, rules } = configurationOf(settings);
      if (options.prefix !== undefined && options.prefix !== ROOT_PREFIX && !ECR_REPOSITORY_PREFIX.test(options.prefix)) {
        throw new BadInput(`--prefix ${options.prefix} is not a pull-through cache prefix (2..30 characters of [a-z0-9._/-], or ${ROOT_PREFIX})`);
      }
      const known = [...rules.map((rule) => rule.ecrRepositoryPrefix), ...Object.keys(run.repositorySettings.prefixes)];
      const warning = options.prefix === undefined ? undefined : unknownPrefixWarning(options.prefix, known);
      if (warning) io.err.write(`ecr-lifecycle: warning: ${warning}\n`);
      const { keepImages } = options.prefix === undefined ? settings : prefixSettings(run.repositorySettings, settings, options.prefix);
      io.out.write(`${lifecyclePolicyText(keepImages)}\n`);
    });

  program
    .command('params')
    .description('list every stage setting (--param, serverless --param): name, default, allowed values, meaning')
    .option('--markdown', 'as the Markdown table of docs/configuration.md')
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
    .action((options: RulesOptions & { param: string[] }) => {
      const settings = stageSettings(options.param);
      // The settings file is part of the configuration packaging refuses: refuse it here too.
      runSettingsOf({ ...settings, pullThroughCacheRulesFile: '', manageOnlyConfiguredRules: false });
      try {
        program.setOptionValue('exitCode', rulesCommand(options, settings, io.out));
      } catch (error) {
        throw error instanceof RulesInputError ? new BadInput(error.message) : error;
      }
    });

  program
    .command('evaluate-policies')
    .description("play ECR's next lifecycle evaluation on a registry file: every repository under its stored policy")
    .option('--registry <file>', 'registry file to evaluate (never written)')
    .option('--demo', 'evaluate the bundled demo registry (fixtures/demo-registry.json, never written)')
    .requiredOption('--registry-out <file>', 'where to write the registry as the evaluation leaves it (same format)')
    .option('--now <iso>', 'the time of the evaluation, e.g. 2026-11-29T00:00:00Z (default: the current time)')
    .exitOverride()
    .action((options: { registry?: string; demo?: boolean; registryOut: string; now?: string }) => {
      if (Boolean(options.registry) === Boolean(options.demo)) throw new BadInput('evaluate-policies needs exactly one of --registry FILE, --demo');
      const read = registryArgument(options);
      const problem =
        (options.now === undefined ? undefined : referenceTimeProblem('--now', options.now)) ??
        outputFileProblem('--registry-out', options.registryOut) ??
        sameFileProblem([read, ['--registry-out', options.registryOut]]);
      if (problem) throw new BadInput(problem);
      const evaluated = evaluatePolicies(loadRegistry(read[1] as string), options.now === undefined ? new Date() : new Date(options.now));
      writeFileSync(options.registryOut, `${JSON.stringify(serializeRegistry(evaluated.registry), null, 2)}\n`);
      io.out.write(`${formatPolicyEvaluation(evaluated.summary)}\n`);
    });

  program
    .command('publish')
    .description('package the stack once and publish it for CloudFormation StackSets: its code in one bucket per region that only the organization reads, its template in DIR (docs/stacksets.md)')
    .option('--bucket-prefix <name>', 'start of the bucket names: the code goes to <name>-<region>, made if missing')
    .option('--regions <r1,r2,...>', 'the regions the stack set deploys to, comma-separated', regionList)
    .option('--organization-id <o-...>', 'the AWS Organizations organization whose principals may read the code')
    .option('--out <dir>', 'folder to write template.json and template-url.txt to (made if missing)')
    .option('--stage <name>', `the stage to package, as serverless --stage (default ${DEFAULT_STAGE})`)
    .addOption(paramOption())
    .option('--dry-run', 'read the buckets and say what would be created and uploaded; change and write nothing')
    .option('--profile <name>', 'the AWS profile to use (shared config and credentials files, as the AWS CLI reads them)')
    .exitOverride()
    .action(async (options: Omit<PublishOptions, 'stage'> & { stage?: string }) => {
      const stage = options.stage ?? DEFAULT_STAGE;
      const problem = stageProblem(stage);
      if (problem) throw new BadInput(problem);
      // Refused as packaging refuses it, before anything is packaged or read.
      runSettingsOf(stageSettings(options.param), stage);
      program.setOptionValue('exitCode', await publishCommand({ ...options, stage }, io));
    });

  program
    .command('serve')
    .description('run the embedded ECR endpoint in the foreground, for other clients (aws ecr ... --endpoint-url URL)')
    .option('--registry <file>', 'registry file to seed it with')
    .option('--demo', 'seed it with the bundled demo registry (fixtures/demo-registry.json)')
    .option('--port <n>', 'port on 127.0.0.1 (default: a free one)', port)
    .exitOverride()
    .action(async (options: { registry?: string; demo?: boolean; port?: number }) => {
      if (Boolean(options.registry) === Boolean(options.demo)) throw new BadInput('serve needs exactly one of --registry FILE, --demo');
      const registry = loadRegistry(registryArgument(options)[1] as string);
      const endpoint = await startEcrEndpoint(registry, { port: options.port }).catch((error: unknown) => {
        const problem = listenProblem(error, options.port);
        throw problem ? new BadInput(problem) : error;
      });
      const stopped = untilStopped();
      io.out.write(
        `Embedded ECR endpoint: ${endpoint.url}\nTry: ${awsCliHint(endpoint)}\n` +
          `Ctrl-C or kill ${process.pid} stops it; it stops by itself when the command that started it ends.\n`,
      );
      await stopped;
      await endpoint.close();
    });
  return program;
}

async function sweep(options: SweepOptions, io: CliIo): Promise<number> {
  const sources = [options.registry, options.demo, options.aws].filter(Boolean).length;
  if (sources !== 1) throw new BadInput('sweep needs exactly one of --registry FILE, --demo, --aws');
  if (options.aws && options.registryOut) throw new BadInput('--registry-out goes with an embedded registry, not --aws');
  if (!options.aws && (options.profile || options.region)) throw new BadInput('--profile and --region go with --aws');
  checkArguments(options);
  const future = options.now === undefined ? undefined : futureReferenceTimeProblem('--now', options.now, new Date());
  if (future && options.aws && !options.dryRun) throw new BadInput(`${future}: a real sweep of an AWS account refuses it`);
  const settings = stageSettings(options.param);
  if (options.event) {
    if (options.aws) throw new BadInput('--event runs on this machine: use it with --registry FILE or --demo, not --aws');
    if (options.now) throw new BadInput('--now does not go with --event: an event\'s execution is judged as of its start');
    if (options.plan) throw new BadInput('--plan goes with a sweep of the registry, not --event');
    // As a deployment with dryRun would: the event path's executions carry only the repository name.
    const eventSettings = runSettingsOf({ ...settings, dryRun: settings.dryRun || Boolean(options.dryRun) }, options.stage);
    const eventOptions = { ...options, settings: eventSettings, registryFile: options.registry ?? DEMO_REGISTRY, eventFile: options.event };
    return sweepEvent(eventOptions, io).catch((error: Error) => {
      throw error instanceof BadEvent ? new BadInput(error.message) : error;
    });
  }

  const input = { ...(options.dryRun ? { dryRun: true } : {}), ...(options.now ? { referenceTime: options.now } : {}) };
  const progress = progressLine(io.err);
  const plan = options.plan === undefined ? undefined : planRecorder();
  const onEvent = (event: ExecutionEvent) => {
    progress.onEvent(event);
    plan?.onEvent(event);
  };
  const common = { input, settings: runSettingsOf(settings, options.stage), logTo: options.verbose ? io.err : undefined, onEvent, onLog: plan?.onLog };

  let execution: LocalExecution;
  let manifestsRead = true;
  if (options.aws) {
    const account = await confirmedAwsAccount(options, io, {
      command: 'sweep',
      doing: 'Sweeping ECR',
      changes: 'Put lifecycle policies and delete images',
    });
    const ecr = ecrClient(account);
    const access = await manifestAccess(ecr, account).finally(() => ecr.destroy());
    if (!access.readManifests) {
      io.err.write(
        `ecr-lifecycle: manifests not read: ${access.reason}. Reading one (BatchGetImage) would record a pull. Without them, ` +
          "byte figures are ECR's image sizes (an upper bound), and an image index's manifests are deleted a call after it, " +
          'where ECR may refuse some that another index lists.\n',
      );
      manifestsRead = false;
    }
    execution = await runSweep({ ...common, ecr: account, readManifests: manifestsRead });
  } else {
    const registry = loadRegistry(options.registry ?? DEMO_REGISTRY);
    const endpoint = await startEcrEndpoint(registry);
    try {
      execution = await runSweep({ ...common, ...asDeployedStack(endpoint) });
      if (options.registryOut) writeFileSync(options.registryOut, `${JSON.stringify(serializeRegistry(endpoint.registry()), null, 2)}\n`);
    } finally {
      await endpoint.close();
    }
  }
  progress.done();

  const summary = summarize(execution, { dryRun: Boolean(options.dryRun), referenceTime: options.now ?? '(execution start)' }, future ? [future] : [], { manifestsRead });
  if (plan && options.plan) writeFileSync(options.plan, `${JSON.stringify(plan.plan({ ...summary, manifestsRead }), null, 2)}\n`);
  io.out.write(options.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary)}\n`);
  return exitStatus(summary);
}

/**
 * The stage settings the `--param`s give, read as packaging reads them; a name given twice, an unknown name or a
 * value out of range is bad input, before anything runs.
 */
function stageSettings(param: string[]): Settings {
  const repeated = repeatedParamProblems(param);
  if (repeated.length > 0) throw new BadInput(configurationProblems(repeated));
  try {
    return parseSettings(rawSettings({ stage: DEFAULT_STAGE, cliParams: param }));
  } catch (error) {
    throw error instanceof SettingsError ? new BadInput(configurationProblems(error.problems)) : error;
  }
}

/**
 * What the steps read, derived as packaging derives it: with the rules file's prefixes when the stage manages only
 * those, and the settings file's per-prefix settings and exclusions; and the rules themselves.
 */
function configurationOf(settings: Settings, stage?: string): { run: RunSettings; rules: CheckedRule[] } {
  try {
    return configuredRunSettings(settings, stage);
  } catch (error) {
    throw error instanceof ConfigurationError ? new BadInput(configurationProblems(error.problems)) : error;
  }
}

const runSettingsOf = (settings: Settings, stage?: string): RunSettings => configurationOf(settings, stage).run;

/** One problem on its line; several as packaging prints them, one per line under a heading. */
function configurationProblems(problems: string[]): string {
  return problems.length === 1 ? problems[0] : `invalid configuration:\n  ${problems.join('\n  ')}`;
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

/**
 * An AWS CLI command that works against the endpoint as printed: the CLI signs every request, so it needs some
 * credentials (the endpoint does not check them) and a region, which a machine without AWS set up lacks.
 */
function awsCliHint(endpoint: EcrEndpoint): string {
  const { credentials, region } = endpoint.clientOptions as { credentials: { accessKeyId: string; secretAccessKey: string }; region: string };
  return (
    `AWS_ACCESS_KEY_ID=${credentials.accessKeyId} AWS_SECRET_ACCESS_KEY=${credentials.secretAccessKey} ` +
    `aws ecr describe-repositories --endpoint-url ${endpoint.url} --region ${region}`
  );
}

function collectParam(value: string, previous: string[]): string[] {
  if (value.indexOf('=') < 1) throw new InvalidArgumentError('expected name=value');
  return [...previous, value];
}

/** A sweep's own arguments, checked before anything runs: the reference time, and the files it reads and writes. */
function checkArguments(options: SweepOptions): void {
  const read = registryArgument(options);
  const problem =
    (options.now === undefined ? undefined : referenceTimeProblem('--now', options.now)) ??
    (options.stage === undefined ? undefined : stageProblem(options.stage)) ??
    (options.registryOut === undefined ? undefined : outputFileProblem('--registry-out', options.registryOut)) ??
    (options.plan === undefined ? undefined : outputFileProblem('--plan', options.plan)) ??
    sameFileProblem([read, ['--registry-out', options.registryOut], ['--plan', options.plan]]);
  if (problem) throw new BadInput(problem);
}

/** A stage packaging would refuse: letters, digits, "-" and "_" only, and short enough for AWS's name limits. */
function stageProblem(stage: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(stage)) return `--stage must be letters, digits, "-" and "_", as in the stack's function names; got ${JSON.stringify(stage)}`;
  return localStageProblems(stage).map((problem) => `--stage: ${problem}`)[0];
}

/** `--regions eu-west-1,us-east-1`: the names, without blanks; checked by the command. */
function regionList(value: string): string[] {
  return value.split(',').map((region) => region.trim()).filter(Boolean);
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError('expected a port number 1..65535');
  return n;
}
