// Runs the deployed state machine definition on this machine with aws-local-stepfunctions: every Lambda task calls
// the real handler in-process with the environment serverless.yml gives its function. The handlers reach ECR
// through the environment (AWS_ENDPOINT_URL_ECR for the embedded endpoint, or real credentials for --aws).
import './promise-with-resolvers';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { parse } from 'yaml';
import type { Report } from '../functions/lib/report';
import { loadServerlessConfig, type LocalFunction } from './serverless-config';

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
}

export interface RunOptions {
  input: Record<string, unknown>;
  /** Stage params over serverless.yml's params.default, as `--param` would give them. */
  params?: Record<string, unknown>;
  /** Environment for the handlers besides the functions' own, e.g. AWS_ENDPOINT_URL_ECR. */
  environment?: Record<string, string>;
  /** Replaces the Retry intervals of every state (milliseconds), so tests need not wait for real backoff. */
  retryDelayMs?: number;
  /** Every event of the execution, nested Map iterations included (those carry an `index`). */
  onEvent?: (event: ExecutionEvent) => void;
}

/** The parts of aws-local-stepfunctions' event log that callers read (it does not export the type). */
export interface ExecutionEvent {
  type: string;
  index?: number;
  state?: { name: string; type: string; output?: unknown };
  parentState?: { name: string };
}

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
type Json = Record<string, any>;

export async function runSweep(options: RunOptions): Promise<LocalExecution> {
  const config = await loadServerlessConfig(options.params);
  const definition = parse(readFileSync(config.definitionPath, 'utf8')) as Json;
  const tasks = bindTasks(definition, config.functions);
  const environment = { ...sharedEnvironment(Object.values(config.functions)), ...options.environment };

  const retryIntervalOverrides =
    options.retryDelayMs === undefined ? undefined : Object.fromEntries(Object.keys(tasks).map((name) => [name, options.retryDelayMs!]));
  const machine = new StateMachine(definition as StateMachineDefinition, {
    validationOptions: { checkArn: true, checkPaths: true },
  });

  return withEnvironment(environment, async () => {
    const execution = machine.run(options.input as Json, {
      overrides: { taskResourceLocalHandlers: tasks, retryIntervalOverrides },
    });
    let report: Report | undefined;
    const watching = (async () => {
      for await (const event of execution.eventLogs) {
        options.onEvent?.(event as ExecutionEvent);
        if (event.type === 'StateExited' && event.state.name === 'TallyReport') {
          report = (event.state.output as Json).report as Report;
        }
      }
    })();
    try {
      const output = (await execution.result) as unknown as SweepOutput;
      await watching;
      return { status: 'SUCCEEDED', output, report: output.report };
    } catch (error) {
      if (!(error instanceof ExecutionError)) throw error;
      await watching;
      const cause = error.cause as Error | undefined;
      return { status: 'FAILED', error: cause?.name ?? error.name, cause: cause?.message ?? error.message, report };
    }
  });
}

/**
 * Points every Lambda task at its handler (keyed by state name, as aws-local-stepfunctions wants) and gives the
 * task a well-formed ARN in place of the `Fn::GetAtt` that CloudFormation resolves on AWS.
 */
function bindTasks(definition: Json, functions: Record<string, LocalFunction>): Record<string, (input: any) => Promise<any>> {
  const tasks: Record<string, (input: any) => Promise<any>> = {};
  const visit = (states: Json) => {
    for (const [name, state] of Object.entries<Json>(states)) {
      if (state.Type === 'Task') {
        const key = state.Resource?.['Fn::GetAtt']?.[0];
        const fn = functions[key];
        if (!fn) throw new Error(`state ${name}: its Resource names no function of serverless.yml`);
        state.Resource = `arn:aws:lambda:us-east-1:123456789012:function:${key}`;
        tasks[name] = invoker(fn);
      }
      const processor = state.ItemProcessor ?? state.Iterator;
      if (processor) visit(processor.States);
      for (const branch of state.Branches ?? []) visit(branch.States);
    }
  };
  visit(definition.States);
  return tasks;
}

function invoker(fn: LocalFunction): (input: unknown) => Promise<unknown> {
  return async (input) => {
    const handler = require(fn.modulePath)[fn.exportName] as Handler;
    const context = lambdaContext(fn.key);
    // A Lambda's input and output cross the wire as JSON: nothing else survives on AWS, so nothing else may here.
    const output = await handler(JSON.parse(JSON.stringify(input)), context);
    return output === undefined ? null : JSON.parse(JSON.stringify(output));
  };
}

/** The Lambda context a handler gets (middy and the logger read it). */
export function lambdaContext(functionName: string) {
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '128',
    awsRequestId: randomUUID(),
    getRemainingTimeInMillis: () => 30_000,
  };
}

/** Handlers run in one process here, so they must agree on every variable they share. */
function sharedEnvironment(functions: LocalFunction[]): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const fn of functions) {
    for (const [name, value] of Object.entries(fn.environment)) {
      if (name in merged && merged[name] !== value) {
        throw new Error(`functions disagree on ${name}; the local runner runs them in one process and needs one value`);
      }
      merged[name] = value;
    }
  }
  return merged;
}

/** Sets these variables for the duration of `work` and puts back what was there before. */
/** Runs `work` with these variables set (undefined: unset), then puts the environment back as it was. */
export async function withEnvironment<T>(environment: Record<string, string | undefined>, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(environment).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(environment);
  try {
    return await work();
  } finally {
    apply(saved);
  }
}
