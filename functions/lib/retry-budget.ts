// A time limit on the SDK's retries of one ECR call. The SDK's own backoff after ThrottlingException grows to
// seconds (below 1 s, 2 s, 4 s, ... at random): left alone, a throttled call in a per-repository function
// outlasts the function's timeout (5 s), and the repository would end in a timeout instead of ThrottlingException,
// which the sweep answers by slowing down (functions/lib/congestion.ts). With this limit a call stops retrying in
// time and ends with ECR's own error.
//
// The SDK's standard strategy decides whether a call may be retried (which errors, how many attempts, its retry
// quota); the wait before the retry is taken here, with the SDK's formula, so that a wait that would end past the
// budget ends with it: the call ends then, and leaves no timer behind that would keep a process up. (Ending it at
// once instead lets the throttled repository come back sooner, to a throttled ECR: more invocations, more calls
// throttled.)
import { MAXIMUM_RETRY_DELAY, Retry, StandardRetryStrategy } from '@smithy/core/retry';
import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';

/** How long the SDK may retry one call: within the shortest timeout of a function that calls ECR (5 s), with room for the last attempt. */
export const RETRY_BUDGET_MS = 3000;

/**
 * The SDK's standard backoff before a call's retry number `retryCount` + 1: at random below base × 2^retryCount
 * (the SDK's bases: 1 s after throttling, 50 ms after other errors), never more than 20 s.
 */
export function backoffMs(errorInfo: Pick<RetryErrorInfo, 'errorType'>, retryCount: number, random: () => number = Math.random): number {
  const base = errorInfo.errorType === 'THROTTLING' ? Retry.throttlingDelay() : Retry.delay();
  return Math.floor(random() * Math.min(base * 2 ** retryCount, MAXIMUM_RETRY_DELAY));
}

/** The SDK's standard decisions, with no wait of its own: the wait is taken by withRetryBudget. */
export function standardDecisions(maxAttempts: number): RetryStrategyV2 {
  return new StandardRetryStrategy({ maxAttempts, backoff: { setDelayBase: () => {}, computeNextBackoffDelay: () => 0 } });
}

/**
 * `decisions`' retries, each after its backoff; a call whose next backoff would end past `budgetMs` since its first
 * attempt is refused when the budget ends (the SDK then throws the call's last error, as when it runs out of
 * attempts).
 */
export function withRetryBudget(
  decisions: RetryStrategyV2,
  budgetMs: number,
  { now = () => Date.now(), random = Math.random }: { now?: () => number; random?: () => number } = {},
): RetryStrategyV2 {
  const started = new WeakMap<RetryToken, number>();
  return {
    async acquireInitialRetryToken(scope: string) {
      const token = await decisions.acquireInitialRetryToken(scope);
      started.set(token, now());
      return token;
    },
    async refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo) {
      const start = started.get(token) ?? now();
      const next = await decisions.refreshRetryTokenForRetry(token, errorInfo);
      const wait = backoffMs(errorInfo, token.getRetryCount(), random);
      const left = start + budgetMs - now();
      await sleep(Math.min(wait, left));
      if (wait >= left) throw new Error(`retries of this call took their ${budgetMs} ms`);
      started.set(next, start);
      return next;
    },
    recordSuccess(token: RetryToken) {
      decisions.recordSuccess(token);
    },
  };
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
