// The event path on one machine: an EventBridge event goes through the REAL start-repository-sweep handler, whose
// real SFN client reaches an embedded Step Functions endpoint (AWS_ENDPOINT_URL_SFN); each execution it starts runs
// the real definition (local/runner.ts) against an embedded ECR. Nothing here decides what the event means: that is
// the handler's job (functions/lib/repository-event.ts), and its answer is what this reports.
import { readFileSync, writeFileSync } from 'node:fs';
import { readRegistryFile, serializeRegistry, type Registry } from './ecr/registry-file';
import { startEcrEndpoint } from './ecr/server';
import { exitStatus, formatSummary, summarize } from './report-format';
import { lambdaContext, withEnvironment } from './runner';
import { loadServerlessConfig } from './serverless-config';
import { LOCAL_STATE_MACHINE_ARN, startSfnEndpoint, type SfnExecution } from './sfn/server';

/** The key of the event handler's function in serverless.yml. */
export const EVENT_FUNCTION = 'startRepositorySweep';

/** An event file that cannot be read or is not JSON, or an event the handler drops: exit 2, nothing changed. */
export class BadEvent extends Error {}

/** What the handler returns (functions/start-repository-sweep.ts). */
export interface HandlerResult {
  started: boolean;
  reason?: string;
  executionName?: string;
}

export interface EventSweepOptions {
  /** The embedded ECR's initial state. */
  registry: Registry;
  /** Delivered to the handler one after another, as EventBridge would deliver them (repeats included). */
  events: unknown[];
  /** Stage params over serverless.yml's, as `--param` gives them. */
  params?: Record<string, unknown>;
  /** More environment for the handler and the executions, e.g. POWERTOOLS_LOG_LEVEL. */
  environment?: Record<string, string>;
  /** Replaces every Retry interval of the definition (milliseconds). */
  retryDelayMs?: number;
  /** Let the executions started so far finish before the next event, as a redelivery hours later would find them. */
  waitBetweenEvents?: boolean;
}

export interface EventSweepResult {
  /** The handler's answer to each event, in delivery order. */
  handlerResults: HandlerResult[];
  /** Every execution the embedded Step Functions started, finished. */
  executions: SfnExecution[];
  /** The embedded ECR's final state. */
  registry: Registry;
  /** Requests the embedded ECR received, per operation. */
  ecrCalls: Record<string, number>;
  /** Requests the embedded Step Functions received, per operation. */
  sfnCalls: Record<string, number>;
}

/** Reads an event file; BadEvent when it is missing or not JSON. */
export function readEventFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new BadEvent(`cannot read event file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BadEvent(`event file ${file} is not JSON: ${(error as Error).message}`);
  }
}

export async function runEventSweep(options: EventSweepOptions): Promise<EventSweepResult> {
  const config = await loadServerlessConfig(options.params);
  const fn = config.functions[EVENT_FUNCTION];
  if (!fn) throw new Error(`serverless.yml has no function ${EVENT_FUNCTION}`);
  const { modulePath, exportName } = fn;

  const ecr = await startEcrEndpoint(options.registry);
  // The executions' environment names the SFN endpoint too, so that a handler call made while an execution runs
  // (process.env is shared) sees the same values; it is filled in once the endpoint has its port.
  const shared: Record<string, string> = {
    ...options.environment,
    AWS_ENDPOINT_URL_ECR: ecr.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'embedded',
    AWS_SECRET_ACCESS_KEY: 'embedded',
    // serverless.yml gives the handler a CloudFormation reference; locally it is the embedded machine.
    STATE_MACHINE_ARN: LOCAL_STATE_MACHINE_ARN,
  };
  const sfn = await startSfnEndpoint({
    stateMachineArn: LOCAL_STATE_MACHINE_ARN,
    params: options.params,
    environment: shared,
    retryDelayMs: options.retryDelayMs,
  }).catch(async (error) => {
    await ecr.close();
    throw error;
  });
  shared.AWS_ENDPOINT_URL_SFN = sfn.url;

  try {
    const environment = { ...fn.environment, ...shared };
    const { handlerResults, executions } = await withEnvironment(environment, async () => {
      // Loaded here, as the runner loads the others: the shared logger takes its level from the environment.
      const handler = require(modulePath)[exportName] as (event: unknown, context: unknown) => Promise<HandlerResult>;
      const results: HandlerResult[] = [];
      for (const event of options.events) {
        if (options.waitBetweenEvents) await sfn.settled();
        results.push(await handler(event, lambdaContext(EVENT_FUNCTION)));
      }
      return { handlerResults: results, executions: await sfn.settled() };
    });
    return { handlerResults, executions, registry: ecr.registry(), ecrCalls: { ...ecr.calls }, sfnCalls: { ...sfn.calls } };
  } finally {
    await sfn.close();
    await ecr.close();
  }
}

export interface EventSweepCliOptions {
  registryFile: string;
  eventFile: string;
  registryOut?: string;
  json?: boolean;
  dryRun?: boolean;
  verbose?: boolean;
  param: Record<string, string>;
}

/**
 * `ecr-lifecycle sweep --registry FILE --event EVENT.json`: prints the report of the execution the event started,
 * in the sweep's format. Throws BadEvent (exit 2, nothing written) when the handler starts nothing.
 */
export async function sweepEvent(options: EventSweepCliOptions, io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream }): Promise<number> {
  const event = readEventFile(options.eventFile);
  let registry: Registry;
  try {
    registry = readRegistryFile(options.registryFile);
  } catch (error) {
    throw new BadEvent((error as Error).message);
  }
  const result = await runEventSweep({
    registry,
    events: [event],
    // A deployment with dryRun: the event path's executions carry only the repository name.
    params: { ...options.param, ...(options.dryRun ? { dryRun: 'true' } : {}) },
    environment: { POWERTOOLS_LOG_LEVEL: options.verbose ? 'INFO' : 'SILENT', ...(options.verbose ? {} : { POWERTOOLS_METRICS_DISABLED: 'true' }) },
  });
  const [answer] = result.handlerResults;
  const execution = result.executions.find((e) => e.name === answer.executionName);
  if (!execution) throw new BadEvent(`event dropped: ${oneLine(answer.reason ?? 'the handler started no execution')}`);

  if (options.registryOut) writeFileSync(options.registryOut, `${JSON.stringify(serializeRegistry(result.registry), null, 2)}\n`);
  const summary = summarize(execution.result ?? { status: 'FAILED', error: execution.error, cause: execution.cause }, {
    dryRun: Boolean(options.dryRun),
    referenceTime: execution.startDate.toISOString(),
  });
  const repositoryName = (JSON.parse(execution.input) as { repositoryName?: string }).repositoryName;
  if (options.json) {
    io.out.write(`${JSON.stringify({ ...summary, execution: { name: execution.name, repositoryName } }, null, 2)}\n`);
  } else {
    io.err.write(`Event started execution ${execution.name} for ${repositoryName}\n`);
    io.out.write(`${formatSummary(summary)}\n`);
  }
  return exitStatus(summary);
}


function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
