// Ends a local invocation that runs past its function's timeout (serverless.yml) the way it ends on AWS: Lambda
// stops the function, and the Task sees the error Step Functions reports for it (Sandbox.Timedout or
// Lambda.Unknown, functions/lib/congestion.ts), never States.Timeout. The engine only knows the Task's
// TimeoutSeconds, which is longer than the function's timeout, so without this a slow step would run on locally
// and succeed where on AWS it fails.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { LambdaTimeoutError } from '../functions/lib/congestion';
import { THREAD_CLOCK, type InvocationClock } from './invocation-clock';

const SERVERLESS_FILE = path.resolve(__dirname, '..', 'serverless.yml');

/** What Step Functions reports for a timed-out function, unless a run says otherwise: Lambda's error type today. */
export const DEFAULT_TIMEOUT_ERROR: LambdaTimeoutError = 'Sandbox.Timedout';

/** Each function's timeout in serverless.yml, in milliseconds; the provider's where a function sets none. */
export function functionTimeoutsMs(file: string = SERVERLESS_FILE): Record<string, number> {
  // CloudFormation's tags (!Ref, !Sub) are left unresolved: only the plain timeouts are read.
  const config = parse(readFileSync(file, 'utf8'), { logLevel: 'silent' }) as {
    provider?: { timeout?: unknown };
    functions?: Record<string, { timeout?: unknown }>;
  };
  const seconds = (value: unknown, where: string): number => {
    if (typeof value !== 'number' || !(value > 0)) throw new Error(`${file}: ${where} is not a timeout in seconds (${JSON.stringify(value)})`);
    return value;
  };
  const fallback = config.provider?.timeout;
  return Object.fromEntries(
    Object.entries(config.functions ?? {}).map(([key, fn]) => [key, 1000 * seconds(fn.timeout ?? fallback, `functions.${key}.timeout`)]),
  );
}

/** A timed-out invocation, named as Step Functions names it, with the message Lambda logs. */
export function functionTimeoutError(name: LambdaTimeoutError, functionName: string, timeoutMs: number): Error {
  const error = new Error(`${functionName}: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
  error.name = name;
  return error;
}

/**
 * What `invocation` gives, or, once it has run `timeoutMs` by its own clock (local/invocation-clock.ts), `timedOut()`'s
 * error; `onTimeout` runs then, to stop what the invocation would still do (on AWS its execution environment is
 * stopped).
 */
export function withinTimeout<T>(
  invocation: Promise<T>,
  timeoutMs: number,
  timedOut: () => Error,
  onTimeout: () => void = () => {},
  clock: InvocationClock = THREAD_CLOCK,
): Promise<T> {
  const timing = clock.start();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    // Its own clock runs no faster than the wall's: the deadline is looked at again for what is left of it.
    const check = () => {
      const left = timeoutMs - timing.elapsedMs();
      if (left > 0) {
        timer = setTimeout(check, left);
        return;
      }
      onTimeout();
      reject(timedOut());
    };
    timer = setTimeout(check, timeoutMs);
  });
  // What a stopped invocation still throws goes nowhere, as on AWS.
  invocation.catch(() => {});
  return Promise.race([invocation, deadline]).finally(() => {
    clearTimeout(timer);
    timing.end();
  });
}
