// The one ECR client factory, and the count of the calls ECR throttled. On Lambda a client takes everything from
// the function's environment; a local run passes the embedded endpoint (or nothing, for the account in the
// caller's credentials).
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { ECRClient, type ECRClientConfig } from '@aws-sdk/client-ecr';
import { THROTTLING_EXCEPTION } from './congestion';
import { RETRY_BUDGET_MS, standardDecisions, withRetryBudget } from './retry-budget';
import type { StepMetrics } from './step';

/** `profile` and `region` as the command line's --profile and --region give them: the SDK resolves the rest. */
export type EcrClientOptions = Pick<ECRClientConfig, 'endpoint' | 'region' | 'credentials' | 'profile' | 'requestHandler'>;

/** A call's attempts at most, the first included, within RETRY_BUDGET_MS. */
const MAX_ATTEMPTS = 6;

/**
 * ECR publishes no rate quota for these calls and answers bursts with ThrottlingException; the SDK retries a call
 * with backoff before Step Functions' own Retry takes over, and the sweep slows down as a whole
 * (functions/lib/congestion.ts). The retries of a call end within RETRY_BUDGET_MS, so that a throttled call ends in
 * ThrottlingException before its function times out. Standard retry rather than adaptive: adaptive's client-side
 * rate limiter belongs to one execution environment, sees only its own few calls, and makes a call wait for a send
 * token before its first attempt, outside any limit on the retries: waits that ended per-repository functions in
 * timeouts rather than in ThrottlingException.
 */
export function ecrClient(options: EcrClientOptions = {}): ECRClient {
  const client = new ECRClient({ retryStrategy: withRetryBudget(standardDecisions(MAX_ATTEMPTS), RETRY_BUDGET_MS), ...options });
  const counter = { throttled: 0 };
  throttledCalls.set(client, counter);
  // Once per attempt, inside the retries (finalizeRequest) and outside the deserializer, which turns ECR's answer
  // into the error: every ThrottlingException ECR answered counts.
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if ((error as Error | undefined)?.name === THROTTLING_EXCEPTION) counter.throttled += 1;
        throw error;
      }
    },
    { step: 'deserialize', priority: 'high', name: 'countThrottledCalls' },
  );
  return client;
}

/** The metric of the calls ECR answered with ThrottlingException. */
export const THROTTLED_CALLS_METRIC = 'ThrottledCalls';

const throttledCalls = new WeakMap<ECRClient, { throttled: number }>();

/**
 * Publishes the ThrottledCalls metric: the calls ECR answered with ThrottlingException since the last time, retried
 * or not. Called after each invocation, zero included, so that the graph of a sweep ECR never throttled shows 0
 * rather than no data.
 */
export function publishThrottledCalls(ecr: ECRClient, metrics: StepMetrics): void {
  const counter = throttledCalls.get(ecr);
  if (!counter) return;
  metrics.addMetric(THROTTLED_CALLS_METRIC, MetricUnit.Count, counter.throttled);
  metrics.publishStoredMetrics();
  counter.throttled = 0;
}
