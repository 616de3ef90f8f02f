// The embedded Step Functions endpoint: an HTTP server on 127.0.0.1 speaking AWS JSON 1.0 as @aws-sdk/client-sfn
// sends it (POST /, X-Amz-Target: AWSStepFunctions.<Operation>) for StartExecution and DescribeExecution on ONE
// STANDARD state machine. Point an SFN client at `url` (or set AWS_ENDPOINT_URL_SFN).
//
// What it keeps of Step Functions' behaviour (botocore stepfunctions 2016-11-23 model and API reference):
// - StartExecution validates like the service: `stateMachineArn` required (ValidationException), a well-formed
//   state machine ARN (InvalidArn) of this machine (StateMachineDoesNotExist); `name` 1..80 characters
//   (ValidationException) without white space, `< > { } [ ] ? * " # % \ ^ | ~ ` $ & , ; : /` or control characters
//   (InvalidName); `input` valid JSON (InvalidExecutionInput) of at most 262,144 UTF-8 bytes (ValidationException).
//   No input is `{}`; no name is a UUID.
// - Names are unique per state machine: a StartExecution with a name already used gets ExecutionAlreadyExists,
//   except that the same name with the same input while that execution is RUNNING returns the same execution
//   (StartExecution is idempotent for STANDARD workflows).
// - Every started execution runs `run(input)`: by default the local runner (local/runner.ts) with the params and
//   environment given here, so the real definition reaches whatever endpoints that environment names. Executions
//   run one after another in start order: the runner sets process.env for the in-process handlers, and two runs at
//   once would undo each other's environment.
// - `executions()` lists them (name, input, status, output, report); `settled()` waits until none is RUNNING.
import { randomUUID } from 'node:crypto';
import { AwsJsonError, parseJsonObject, startAwsJsonServer, type AwsJsonRequest } from '../aws-json-server';
import { runSweep, type LocalExecution } from '../runner';

export const SFN_OPERATIONS = ['StartExecution', 'DescribeExecution'] as const;
export type SfnOperation = (typeof SFN_OPERATIONS)[number];

export const LOCAL_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:ecr-lifecycle-manager-local-sweep';

/** The model's SensitiveData limit for an execution input, in UTF-8 bytes. */
export const MAX_INPUT_BYTES = 262_144;
export const MAX_NAME_LENGTH = 80;

/** What a name may not contain (StartExecution `name`): white space, brackets, wildcards, specials, controls. */
const FORBIDDEN_NAME_CHARACTERS = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;
const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+$/;
const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/;

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

export interface SfnExecution {
  executionArn: string;
  name: string;
  /** The input exactly as StartExecution sent it. */
  input: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  /** The execution's output as JSON text (SUCCEEDED only). */
  output?: string;
  error?: string;
  cause?: string;
  /** What the runner returned, report included; undefined while RUNNING. */
  result?: LocalExecution;
}

export interface SfnEndpointOptions {
  /** The one state machine this endpoint knows (default LOCAL_STATE_MACHINE_ARN). */
  stateMachineArn?: string;
  /** 0 or unset: a free port. */
  port?: number;
  /** Runs one execution. Default: runSweep with `params`, `environment` and `retryDelayMs` below. */
  run?: (input: unknown) => Promise<LocalExecution>;
  /** For the default `run`: stage params, as runSweep takes them. */
  params?: Record<string, unknown>;
  /** For the default `run`: environment of the handlers, e.g. AWS_ENDPOINT_URL_ECR of an embedded ECR. */
  environment?: Record<string, string>;
  /** For the default `run`: replaces every Retry interval (milliseconds). */
  retryDelayMs?: number;
}

export interface SfnEndpoint {
  url: string;
  port: number;
  stateMachineArn: string;
  /** Requests received per operation, whatever their outcome. */
  calls: Record<string, number>;
  /** Every execution started, in start order (copies). */
  executions(): SfnExecution[];
  /** Resolves when no execution is RUNNING, including ones started while waiting; gives executions(). */
  settled(): Promise<SfnExecution[]>;
  close(): Promise<void>;
}

export async function startSfnEndpoint(options: SfnEndpointOptions = {}): Promise<SfnEndpoint> {
  const stateMachineArn = options.stateMachineArn ?? LOCAL_STATE_MACHINE_ARN;
  if (!STATE_MACHINE_ARN.test(stateMachineArn)) throw new Error(`not a state machine ARN: ${stateMachineArn}`);
  const executionPrefix = stateMachineArn.replace(':stateMachine:', ':execution:');
  const run =
    options.run ??
    ((input: unknown) =>
      runSweep({
        input: input as Record<string, unknown>,
        params: options.params,
        environment: options.environment,
        retryDelayMs: options.retryDelayMs,
      }));

  const executions = new Map<string, SfnExecution>();
  const calls: Record<string, number> = Object.fromEntries(SFN_OPERATIONS.map((op) => [op, 0]));
  // Executions run one at a time, in start order; `queue` is the last one's completion.
  let queue: Promise<void> = Promise.resolve();

  const execute = (execution: SfnExecution) => {
    queue = queue.then(async () => {
      try {
        const result = await run(JSON.parse(execution.input));
        execution.result = result;
        execution.status = result.status;
        if (result.status === 'SUCCEEDED') execution.output = JSON.stringify(result.output ?? null);
        else Object.assign(execution, { error: result.error, cause: result.cause });
      } catch (error) {
        Object.assign(execution, { status: 'FAILED', error: (error as Error).name ?? 'Error', cause: (error as Error).message });
      }
      execution.stopDate = new Date();
    });
  };

  const startExecution = (input: Record<string, unknown>) => {
    const arn = input.stateMachineArn;
    if (arn === undefined || arn === null) throw validation('null', 'stateMachineArn', 'Member must not be null');
    if (typeof arn !== 'string') throw new AwsJsonError('SerializationException', 'stateMachineArn must be a string');
    if (!STATE_MACHINE_ARN.test(arn)) throw new AwsJsonError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${arn}'`);
    if (arn !== stateMachineArn) throw new AwsJsonError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);

    const name = input.name ?? randomUUID();
    if (typeof name !== 'string') throw new AwsJsonError('SerializationException', 'name must be a string');
    checkName(name);

    const text = input.input ?? '{}';
    if (typeof text !== 'string') throw new AwsJsonError('SerializationException', 'input must be a string');
    checkInput(text);

    const executionArn = `${executionPrefix}:${name}`;
    const existing = executions.get(name);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === text) return startOutput(existing);
      throw new AwsJsonError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const execution: SfnExecution = { executionArn, name, input: text, status: 'RUNNING', startDate: new Date() };
    executions.set(name, execution);
    execute(execution);
    return startOutput(execution);
  };

  const describeExecution = (input: Record<string, unknown>) => {
    const arn = input.executionArn;
    if (arn === undefined || arn === null) throw validation('null', 'executionArn', 'Member must not be null');
    if (typeof arn !== 'string') throw new AwsJsonError('SerializationException', 'executionArn must be a string');
    if (!EXECUTION_ARN.test(arn)) throw new AwsJsonError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${arn}'`);
    const execution = arn.startsWith(`${executionPrefix}:`) ? executions.get(arn.slice(executionPrefix.length + 1)) : undefined;
    if (!execution) throw new AwsJsonError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return {
      executionArn: execution.executionArn,
      stateMachineArn,
      name: execution.name,
      status: execution.status,
      startDate: seconds(execution.startDate),
      ...(execution.stopDate ? { stopDate: seconds(execution.stopDate) } : {}),
      input: execution.input,
      inputDetails: { included: true },
      ...(execution.output !== undefined ? { output: execution.output, outputDetails: { included: true } } : {}),
      ...(execution.error !== undefined ? { error: execution.error } : {}),
      ...(execution.cause !== undefined ? { cause: execution.cause } : {}),
    };
  };

  const answer = ({ method, target, operation, body }: AwsJsonRequest) => {
    const counted = operation ?? '(no operation)';
    calls[counted] = (calls[counted] ?? 0) + 1;
    if (method !== 'POST' || !operation || !(SFN_OPERATIONS as readonly string[]).includes(operation)) {
      throw new AwsJsonError('UnknownOperationException', `Unknown operation ${target ?? '(no X-Amz-Target header)'}`);
    }
    const input = parseJsonObject(body);
    return { status: 200, body: operation === 'StartExecution' ? startExecution(input) : describeExecution(input) };
  };

  const server = await startAwsJsonServer({
    targetPrefix: 'AWSStepFunctions',
    jsonVersion: '1.0',
    port: options.port,
    answer,
    internalErrorCode: 'InternalFailure',
  });

  const list = () => [...executions.values()].map((execution) => ({ ...execution }));
  return {
    url: server.url,
    port: server.port,
    stateMachineArn,
    calls,
    executions: list,
    settled: async () => {
      // An execution started while waiting extends the queue; wait until it stops growing.
      for (let last: Promise<void> | undefined; last !== queue; ) {
        last = queue;
        await last;
      }
      return list();
    },
    close: server.close,
  };
}

function checkName(name: string): void {
  if (name.length < 1) throw validation(`'${name}'`, 'name', 'Member must have length greater than or equal to 1');
  if (name.length > MAX_NAME_LENGTH) throw validation(`'${name}'`, 'name', `Member must have length less than or equal to ${MAX_NAME_LENGTH}`);
  if (FORBIDDEN_NAME_CHARACTERS.test(name)) throw new AwsJsonError('InvalidName', `Invalid Name: '${name}'`);
}

function checkInput(text: string): void {
  if (Buffer.byteLength(text, 'utf8') > MAX_INPUT_BYTES) {
    throw validation('(input)', 'input', `Member must have length less than or equal to ${MAX_INPUT_BYTES}`);
  }
  try {
    JSON.parse(text);
  } catch (error) {
    throw new AwsJsonError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${(error as Error).message}'`);
  }
}

/** The service framework's wording for a request member outside the model's constraints. */
function validation(value: string, member: string, constraint: string): AwsJsonError {
  return new AwsJsonError('ValidationException', `1 validation error detected: Value ${value} at '${member}' failed to satisfy constraint: ${constraint}`);
}

function startOutput(execution: SfnExecution) {
  return { executionArn: execution.executionArn, startDate: seconds(execution.startDate) };
}

/** AWS JSON timestamps are epoch seconds. */
function seconds(date: Date): number {
  return date.getTime() / 1000;
}
