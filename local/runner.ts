// Runs the deployed state machine definition (statemachines/sweep.asl.yml) on this machine with
// aws-local-stepfunctions. Each Task state is bound to the step its Fn::GetAtt names (functions/steps), called
// in-process with a context of that function's own: a logger that names the function on every line, the run
// settings given here, and an ECR client (the embedded endpoint, or AWS) of the execution environment the
// invocation runs in, as on Lambda (ExecutionEnvironments below).
import './promise-with-resolvers';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { parse } from 'yaml';
import type { ECRClient } from '@aws-sdk/client-ecr';
import { ecrClient, publishThrottledCalls, type EcrClientOptions } from '../functions/lib/ecr-client';
import { tallyPage, type Report } from '../functions/lib/report';
import { parseSettings, runSettings, type RunSettings } from '../functions/lib/settings';
import type { Step, StepContext } from '../functions/lib/step';
import { WORKFLOW_STEPS } from '../functions/steps';
import { LocalStepLogger, localMetrics, type LogLine } from './step-log';
import { distributedMapRunOptions, type ChildExecutionFailure } from './distributed-map';
import { DEFAULT_TIMEOUT_ERROR, functionTimeoutError, functionTimeoutsMs, withinTimeout } from './function-timeout';
import type { LambdaTimeoutError } from '../functions/lib/congestion';

export const PROJECT_ROOT = path.resolve(__dirname, '..');
export const DEFINITION_FILE = path.join(PROJECT_ROOT, 'statemachines', 'sweep.asl.yml');

export interface SweepOutput {
  dryRun: boolean;
  referenceTime: string;
  report: Report;
}

export interface LocalExecution {
  status: 'SUCCEEDED' | 'FAILED';
  output?: SweepOutput;
  error?: string;
  cause?: string;
  /** The report as of the last page tallied; on a failed execution, the repositories that failed. */
  report?: Report;
  /** Prefixes the settings file sets that no pull-through cache rule has (ListPullThroughCachePrefixes), failed or not. */
  prefixesWithoutRule: string[];
}

export interface RunOptions {
  input: Record<string, unknown>;
  /** What the steps read at run time, as `--param` gives them; every default when absent. */
  settings?: RunSettings;
  /**
   * Where every step's ECR client goes: the embedded endpoint (as each function's own role: local/stack-roles.ts),
   * or (absent) AWS as the environment configures it.
   */
  ecr?: EcrClientOptions | ((functionKey: string) => EcrClientOptions);
  /** Whether the steps may read manifests (their principal is excluded from pull time updates); true when absent. */
  readManifests?: boolean;
  /** Where the steps' log lines (INFO) and metrics (EMF) are printed, as on Lambda; absent: nowhere. */
  logTo?: NodeJS.WritableStream;
  /** Every structured log line of every step, printed or not (`function_name` names the step). */
  onLog?: (line: LogLine) => void;
  /** Replaces the Retry intervals of every state (milliseconds), so tests need not wait for real backoff. */
  retryDelayMs?: number;
  /** Every event of the execution, nested Map iterations included (those carry an `index`). */
  onEvent?: (event: ExecutionEvent) => void;
  /**
   * How the child execution holding a repository fails whole (States.Timeout, States.Runtime), if it does: the
   * embedded endpoint's `childExecutionFault`, from the registry file's `faults.ChildExecution`.
   */
  childExecutionFault?: (repositoryName: string) => string | undefined;
  /** What a function past its timeout ends with, as Step Functions reports it: Sandbox.Timedout unless given. */
  functionTimeoutError?: LambdaTimeoutError;
  /** Replaces the timeouts serverless.yml gives these functions (milliseconds), so tests need not wait for them. */
  functionTimeoutsMs?: Partial<Record<string, number>>;
}

/** The parts of aws-local-stepfunctions' event log that callers read (it does not export the type). */
export interface ExecutionEvent {
  type: string;
  index?: number;
  state?: { name: string; type: string; input?: unknown; output?: unknown };
  parentState?: { name: string; input?: unknown };
  /** A MapIterationSucceeded event's child execution output. */
  output?: unknown;
  /** A MapIterationFailed event's child execution error and cause. */
  Error?: string;
  Cause?: string;
}

type Json = Record<string, any>;
type WorkflowStepName = keyof typeof WORKFLOW_STEPS;

export const DEFAULT_RUN_SETTINGS: RunSettings = runSettings(parseSettings({}));

/** What one function's invocations share in a local run; each takes its ECR client from ExecutionEnvironments. */
function localStepContext(functionName: string, options: Pick<RunOptions, 'settings' | 'logTo' | 'onLog' | 'readManifests'>): Omit<StepContext, 'ecr'> {
  return {
    settings: options.settings ?? DEFAULT_RUN_SETTINGS,
    readManifests: options.readManifests ?? true,
    logger: new LocalStepLogger({ persistentKeys: { function_name: functionName } }, { onLine: options.onLog, printTo: options.logTo }),
    metrics: localMetrics(options.settings?.stage ?? DEFAULT_RUN_SETTINGS.stage, options.logTo),
  };
}

/**
 * A function's execution environments, as Lambda keeps them: each serves one invocation at a time, a free one is
 * reused, and one more is started when all are busy. Each has its ECR client, made once as at a cold start, and
 * with it the SDK's retry quota and any client-side state: a local run's invocations learn no more of ECR's
 * throttling from each other than Lambda's do.
 */
class ExecutionEnvironments {
  private readonly free: ECRClient[] = [];
  private readonly all: ECRClient[] = [];
  private readonly stopped = new WeakSet<ECRClient>();
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly options: EcrClientOptions | undefined) {}

  take(): ECRClient {
    const client = this.free.pop();
    if (client) return client;
    // The environments share one pool of sockets, which holds no state of ECR's throttling and keeps a client's
    // start cheap on this one CPU thread; it must then not queue them behind the SDK's default of 50 sockets.
    const requestHandler = this.all[0]?.config.requestHandler ?? { httpAgent: { keepAlive: true, maxSockets: Infinity } };
    const started = ecrClient({ ...this.options, requestHandler });
    // A stopped environment's invocation sends nothing more, not even the SDK's retry of a call; one already sent
    // is answered, as on AWS. Below the retry middleware, so that each attempt asks.
    started.middlewareStack.add(
      (next) => async (args) => {
        if (this.stopped.has(started)) throw new Error('the execution environment was stopped at its function timeout');
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'stoppedExecutionEnvironment' },
    );
    this.all.push(started);
    return started;
  }

  /** Lambda stops an environment whose invocation timed out, and starts another for the next one. */
  stop(client: ECRClient): void {
    this.stopped.add(client);
  }

  release(client: ECRClient): void {
    this.free.push(client);
  }

  /** Holds on to an invocation until it has ended, a stopped one included. */
  track(invocation: Promise<unknown>): void {
    this.running.add(invocation);
    const ended = () => this.running.delete(invocation);
    invocation.then(ended, ended);
  }

  /**
   * Waits for every invocation to end, then lets the clients go. Lambda lets an invocation run on when its
   * execution fails, and a stopped one ends with its last answer: the run is over, and its ECR is left as AWS
   * would leave it, only when they have.
   */
  async destroy(): Promise<void> {
    await Promise.allSettled([...this.running]);
    for (const client of this.all) client.destroy();
  }
}

/**
 * The definition's Task states and the function each names (`Fn::GetAtt: [key, Arn]`), nested ones included.
 * Each Resource becomes a well-formed ARN, which CloudFormation resolves on AWS; the definition is changed in place.
 */
export function taskFunctions(definition: Json): Record<string, WorkflowStepName> {
  const tasks: Record<string, WorkflowStepName> = {};
  const visit = (states: Json) => {
    for (const [name, state] of Object.entries<Json>(states)) {
      if (state.Type === 'Task') {
        const key = state.Resource?.['Fn::GetAtt']?.[0];
        if (!(key in WORKFLOW_STEPS)) throw new Error(`state ${name}: its Resource names no step of functions/steps (${JSON.stringify(key)})`);
        state.Resource = `arn:aws:lambda:us-east-1:123456789012:function:${key}`;
        tasks[name] = key;
      }
      const processor = state.ItemProcessor ?? state.Iterator;
      if (processor) visit(processor.States);
      for (const branch of state.Branches ?? []) visit(branch.States);
    }
  };
  visit(definition.States);
  return tasks;
}

export function readDefinition(): Json {
  return parse(readFileSync(DEFINITION_FILE, 'utf8')) as Json;
}

export async function runSweep(options: RunOptions): Promise<LocalExecution> {
  const definition = readDefinition();
  const tasks = taskFunctions(definition);
  const functions = new Map(
    [...new Set(Object.values(tasks))].map((key) => {
      const ecr = typeof options.ecr === 'function' ? options.ecr(key) : options.ecr;
      return [key, { context: localStepContext(key, options), environments: new ExecutionEnvironments(ecr) }];
    }),
  );
  const timeouts = { ...functionTimeoutsMs(), ...options.functionTimeoutsMs };
  const timeout = (key: WorkflowStepName) => ({ ms: timeouts[key]!, error: options.functionTimeoutError ?? DEFAULT_TIMEOUT_ERROR });
  const handlers = Object.fromEntries(
    Object.entries(tasks).map(([state, key]) => [
      state,
      invoker(WORKFLOW_STEPS[key] as Step<unknown, unknown>, { ...functions.get(key)!, name: key, timeout: timeout(key) }),
    ]),
  );
  const retryIntervalOverrides =
    options.retryDelayMs === undefined ? undefined : Object.fromEntries(Object.keys(tasks).map((name) => [name, options.retryDelayMs!]));
  const machine = new StateMachine(definition as StateMachineDefinition, { validationOptions: { checkArn: true, checkPaths: true } });

  const execution = machine.run(options.input as Json, {
    ...distributedMapRunOptions({ failChildExecution: childExecutionFailure(options.childExecutionFault) }),
    overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides },
  });
  let report: Report | undefined;
  let prefixesWithoutRule: string[] = [];
  let finalAttempt: FinalAttempt | undefined;
  const watching = (async () => {
    for await (const event of execution.eventLogs) {
      options.onEvent?.(event as ExecutionEvent);
      if (event.type === 'StateExited' && event.state.name === 'TallyReport') report = (event.state.output as Json).report as Report;
      if (event.type === 'StateExited' && event.state.name === 'ListPullThroughCachePrefixes') prefixesWithoutRule = (event.state.output as Json).run.prefixesWithoutRule;
      finalAttempt = followFinalAttempt(finalAttempt, event as ExecutionEvent);
    }
  })();
  try {
    const output = (await execution.result) as unknown as SweepOutput;
    await watching;
    return { status: 'SUCCEEDED', output, report: output.report, prefixesWithoutRule };
  } catch (error) {
    if (!(error instanceof ExecutionError)) throw error;
    await watching;
    const cause = error.cause as Error | undefined;
    const failedReport = finalAttempt ? finalAttemptReport(finalAttempt) : report;
    return { status: 'FAILED', error: cause?.name ?? error.name, cause: cause?.message ?? error.message, report: failedReport, prefixesWithoutRule };
  } finally {
    await Promise.all([...functions.values()].map(({ environments }) => environments.destroy()));
  }
}

/** Fails the child execution whose batch holds a repository with a ChildExecution fault, as AWS would fail it whole. */
function childExecutionFailure(fault: RunOptions['childExecutionFault']) {
  if (!fault) return undefined;
  return (input: unknown): ChildExecutionFailure | undefined => {
    const names: string[] = (input as Json)?.repositoryNames ?? [];
    const failing = names.find((name) => fault(name) !== undefined);
    return failing === undefined ? undefined : { error: fault(failing)!, cause: `The child execution holding ${failing} failed whole` };
  };
}

/**
 * The final attempt's Map Run as its events show it: the report it started from, its batches, and each child's
 * output or error.
 */
interface FinalAttempt {
  report: Report;
  ecrRepositoryPrefixes: string[];
  batches: string[][];
  results: unknown[];
}

function followFinalAttempt(attempt: FinalAttempt | undefined, event: ExecutionEvent): FinalAttempt | undefined {
  const input = event.state?.input as Json | undefined;
  if (event.type === 'StateEntered' && event.index === undefined && event.state?.name === 'ManageRepositories' && input?.finalAttempt) {
    return { report: input.report, ecrRepositoryPrefixes: input.run.ecrRepositoryPrefixes, batches: input.page.batches, results: [] };
  }
  if (attempt && event.parentState?.name === 'ManageRepositories' && event.index !== undefined) {
    if (event.type === 'MapIterationSucceeded') attempt.results[event.index] = event.output;
    // A child that failed: the error it failed with, the repository's own (the definition's RepositoryFailed), or
    // the child's when it failed whole (States.Timeout).
    if (event.type === 'MapIterationFailed') attempt.results[event.index] = { Error: event.Error, Cause: event.Cause };
  }
  return attempt;
}

/**
 * A final attempt that fails never reaches the tally: its children that came through are tallied here as the
 * TallyReport step would, so that the report names exactly the repositories that failed again.
 */
function finalAttemptReport({ report, ecrRepositoryPrefixes, batches, results }: FinalAttempt): Report {
  return tallyPage(report, { ecrRepositoryPrefixes, scanned: 0, cached: 0, batches, results, finalAttempt: true });
}

/**
 * A Lambda's input and output cross the wire as JSON: nothing else survives on AWS, so nothing else may here. An
 * invocation past its function's timeout ends with the error AWS reports, and its execution environment is stopped.
 */
function invoker(
  step: Step<unknown, unknown>,
  { context, environments, name, timeout }: {
    context: Omit<StepContext, 'ecr'>;
    environments: ExecutionEnvironments;
    name: string;
    timeout: { ms: number; error: LambdaTimeoutError };
  },
): (input: any) => Promise<any> {
  return async (input) => {
    const ecr = environments.take();
    let timedOut = false;
    const invocation = step.run(JSON.parse(JSON.stringify(input)), { ...context, ecr });
    environments.track(invocation);
    try {
      const output = await withinTimeout(
        invocation,
        timeout.ms,
        () => functionTimeoutError(timeout.error, name, timeout.ms),
        () => {
          timedOut = true;
          environments.stop(ecr);
        },
      );
      return output === undefined ? null : JSON.parse(JSON.stringify(output));
    } finally {
      publishThrottledCalls(ecr, context.metrics);
      if (!timedOut) environments.release(ecr);
    }
  };
}
