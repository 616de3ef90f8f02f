// A time limit on the SDK's retries of one ECR call. The SDK's own backoff after ThrottlingException grows to
// seconds (1 s, 2 s, 4 s, ... at random below those): left alone, a throttled call in a per-repository function
// outlasts the function's timeout (5 s), and the
// repository would end in a timeout instead of ThrottlingException, which the sweep answers by slowing down
// (functions/lib/congestion.ts). With this limit a call stops retrying in time and ends with ECR's own error.
import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';

/** How long the SDK may retry one call: within the shortest timeout of a function that calls ECR (5 s), with room for the last attempt. */
export const RETRY_BUDGET_MS = 3000;

/** `inner`'s retries, refused once a call has spent `budgetMs` since its first attempt. */
export function withRetryBudget(inner: RetryStrategyV2, budgetMs: number, now: () => number = () => Date.now()): RetryStrategyV2 {
  const started = new WeakMap<RetryToken, number>();
  return {
    async acquireInitialRetryToken(scope: string) {
      const token = await inner.acquireInitialRetryToken(scope);
      started.set(token, now());
      return token;
    },
    async refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo) {
      const start = started.get(token) ?? now();
      const left = start + budgetMs - now();
      // The SDK then throws the call's last error (ThrottlingException), as when it runs out of attempts.
      if (left <= 0) throw new Error(`retries of this call took their ${budgetMs} ms`);
      let timer: NodeJS.Timeout | undefined;
      const timeUp = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`retries of this call took their ${budgetMs} ms`)), left);
      });
      try {
        const next = await Promise.race([inner.refreshRetryTokenForRetry(token, errorInfo), timeUp]);
        started.set(next, start);
        return next;
      } finally {
        clearTimeout(timer);
      }
    },
    recordSuccess(token: RetryToken) {
      inner.recordSuccess(token);
    },
  };
}
