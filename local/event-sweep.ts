// The event path on one machine: an EventBridge event goes through the REAL startRepositorySweep step, whose start
// port here runs each execution it starts in-process with the real definition (local/runner.ts) against an
// embedded ECR. Nothing here decides what the event means: that is the step's job
// (functions/lib/repository-event.ts), and its answer is what this reports.
import { readFileSync, writeFileSync } from 'node:fs';
import { LocalStepLogger } from './step-log';
import type { Report } from '../functions/lib/report';
import type { RunSettings } from '../functions/lib/settings';
import type { SweepStarter } from '../functions/lib/sfn-client';
import { startRepositorySweep, type StartSweepResult } from '../functions/steps/start-repository-sweep';
import { readRegistryFile, serializeRegistry, type Registry } from './ecr/registry-file';
import { startEcrEndpoint } from './ecr/server';
import { exitStatus, formatSummary, summarize } from './report-format';
import { runSweep, type LocalExecution, type RunOptions } from './runner';
import { asDeployedStack } from './stack-roles';

/** An event file that cannot be read or is not JSON, or an event the step drops: exit 2, nothing changed. */
export class BadEvent extends Error {}

export interface LocalSweepExecution {
  name: string;
  /** The input exactly as StartExecution sent it. */
  input: string;
  status: 'RUNNING' | LocalExecution['status'];
  startDate: Date;
  /** What the runner returned, report included; undefined while RUNNING. */
  result?: LocalExecution;
}

export interface EventSweepOptions {
  /** The embedded ECR's initial state. */
  registry: Registry;
  /** Delivered to the step one after another, as EventBridge would deliver them (repeats included). */
  events: unknown[];
  settings?: RunSettings;
  /** Where the steps' log lines and metrics are printed (--verbose); absent: nowhere. */
  logTo?: NodeJS.WritableStream;
  /** Replaces every Retry interval of the definition (milliseconds). */
  retryDelayMs?: number;
  /** Let the executions started so far finish before the next event, as a redelivery hours later would find them. */
  waitBetweenEvents?: boolean;
}

export interface EventSweepResult {
  /** The step's answer to each event, in delivery order. */
  handlerResults: StartSweepResult[];
  /** Every execution started, finished. */
  executions: LocalSweepExecution[];
  /** StartExecution requests the step made, repeats included. */
  startExecutionCalls: number;
  /** The embedded ECR's final state. */
  registry: Registry;
  /** Requests the embedded ECR received, per operation. */
  ecrCalls: Record<string, number>;
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

/**
 * StartExecution as a STANDARD state machine answers it: names are unique, and the same name with the same input
 * while that execution runs is the same execution.
 */
function localSweepStarter(run: (input: Record<string, unknown>) => Promise<LocalExecution>) {
  const executions: LocalSweepExecution[] = [];
  const running = new Set<Promise<unknown>>();
  let calls = 0;
  const starter: SweepStarter = {
    async startExecution({ name, input }) {
      calls += 1;
      const executionArn = `arn:aws:states:us-east-1:123456789012:execution:ecr-lifecycle-manager-local-sweep:${name}`;
      const existing = executions.find((e) => e.name === name);
      if (existing) return existing.status === 'RUNNING' && existing.input === input ? { executionArn } : { alreadyExists: true };
      const execution: LocalSweepExecution = { name, input, status: 'RUNNING', startDate: new Date() };
      executions.push(execution);
      const done = run(JSON.parse(input)).then((result) => Object.assign(execution, { status: result.status, result }));
      running.add(done);
      void done.finally(() => running.delete(done));
      return { executionArn };
    },
  };
  return {
    starter,
    executions,
    calls: () => calls,
    /** Resolves when no execution runs, including ones started while waiting. */
    async settled(): Promise<void> {
      while (running.size > 0) await Promise.all(running);
    },
  };
}

export async function runEventSweep(options: EventSweepOptions): Promise<EventSweepResult> {
  const ecr = await startEcrEndpoint(options.registry);
  try {
    const runOptions: Omit<RunOptions, 'input'> = {
      settings: options.settings,
      logTo: options.logTo,
      retryDelayMs: options.retryDelayMs,
      ...asDeployedStack(ecr),
    };
    const sweeps = localSweepStarter((input) => runSweep({ ...runOptions, input }));
    const context = {
      logger: new LocalStepLogger({ persistentKeys: { function_name: startRepositorySweep.name } }, { printTo: options.logTo }),
      sweeps: sweeps.starter,
    };
    const handlerResults: StartSweepResult[] = [];
    for (const event of options.events) {
      if (options.waitBetweenEvents) await sweeps.settled();
      // The event crosses as JSON, as EventBridge delivers it.
      handlerResults.push(await startRepositorySweep.run(JSON.parse(JSON.stringify(event ?? null)), context));
    }
    await sweeps.settled();
    return { handlerResults, executions: sweeps.executions, startExecutionCalls: sweeps.calls(), registry: ecr.registry(), ecrCalls: { ...ecr.calls } };
  } finally {
    await ecr.close();
  }
}

export interface EventSweepCliOptions {
  registryFile: string;
  eventFile: string;
  registryOut?: string;
  json?: boolean;
  verbose?: boolean;
  settings: RunSettings;
}

/**
 * `ecr-lifecycle sweep --registry FILE --event EVENT.json`: prints the report of the execution the event started,
 * in the sweep's format. Throws BadEvent (exit 2, nothing written) when the step starts nothing.
 */
export async function sweepEvent(options: EventSweepCliOptions, io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream }): Promise<number> {
  const event = readEventFile(options.eventFile);
  let registry: Registry;
  try {
    registry = readRegistryFile(options.registryFile);
  } catch (error) {
    throw new BadEvent((error as Error).message);
  }
  const result = await runEventSweep({ registry, events: [event], settings: options.settings, logTo: options.verbose ? io.err : undefined });
  const [answer] = result.handlerResults;
  const execution = result.executions.find((e) => e.name === answer.executionName);
  if (!execution?.result) throw new BadEvent(`event dropped: ${oneLine('reason' in answer ? answer.reason : 'the step started no execution')}`);

  if (options.registryOut) writeFileSync(options.registryOut, `${JSON.stringify(serializeRegistry(result.registry), null, 2)}\n`);
  const summary = summarize(execution.result, { dryRun: options.settings.dryRun, referenceTime: execution.startDate.toISOString() });
  const repositoryName = (JSON.parse(execution.input) as { repositoryName?: string }).repositoryName;
  const nothingToDo = nothingToDoFor(repositoryName, summary.report);
  if (nothingToDo && !options.json) {
    io.out.write(`${nothingToDo}\n`);
    return exitStatus(summary);
  }
  if (options.json) {
    io.out.write(`${JSON.stringify({ ...summary, execution: { name: execution.name, repositoryName }, ...(nothingToDo ? { nothingToDo } : {}) }, null, 2)}\n`);
  } else {
    io.err.write(`Event started execution ${execution.name} for ${repositoryName}\n`);
    io.out.write(`${formatSummary(summary)}\n`);
  }
  return exitStatus(summary);
}

/** An event's repository that the sweep did not find among the cached ones: missing, or under no prefix. */
function nothingToDoFor(repositoryName: string | undefined, report: Pick<Report, 'cached' | 'scanned'>): string | undefined {
  if (report.cached > 0) return undefined;
  return report.scanned === 0
    ? `${repositoryName}: no such repository in the registry; nothing to do`
    : `${repositoryName}: not under any pull-through cache prefix the stage manages; nothing to do`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
