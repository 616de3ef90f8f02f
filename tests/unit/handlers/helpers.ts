// Shared set-up for the handler tests: a fake Lambda context, an environment restored after each test, quiet logs.
import type { Context } from 'aws-lambda';
import { ECRServiceException } from '@aws-sdk/client-ecr';
import { logger } from '../../../functions/lib/logger';

export const context = {
  functionName: 'x',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:x',
  memoryLimitInMB: '128',
  awsRequestId: 'r',
  logGroupName: '/aws/lambda/x',
  logStreamName: 's',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

const KEYS = ['DRY_RUN', 'KEEP_IMAGES', 'UNPULLED_DAYS', 'MANAGE_ROOT_PREFIX', 'MAX_CONCURRENCY', 'MANAGED_PREFIXES', 'AWS_REGION', 'AWS_ENDPOINT_URL_ECR'];

/** Every test starts from the defaults (no configuration variables) and leaves process.env as it found it. */
export function isolateEnvironment(): void {
  let saved: Record<string, string | undefined> = {};
  beforeAll(() => {
    // The logger resets its level on every invocation, so its output is stubbed rather than silenced.
    for (const level of ['debug', 'info', 'warn', 'error'] as const) jest.spyOn(logger, level).mockImplementation(() => undefined);
  });
  beforeEach(() => {
    saved = Object.fromEntries(KEYS.map((key) => [key, process.env[key]]));
    for (const key of KEYS) delete process.env[key];
    process.env.AWS_REGION = 'eu-west-1';
  });
  afterEach(() => {
    for (const key of KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });
}

export function setEnv(vars: Record<string, string>): void {
  Object.assign(process.env, vars);
}

/** An ECR error that the SDK has no class for, as it arrives from the service (throttling, access denied). */
export function serviceError(name: string): ECRServiceException {
  return new ECRServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message: `${name} from ECR` });
}

/** Awaits a promise that must reject and returns what it rejected with. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}
