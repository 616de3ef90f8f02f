import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';
import { withRetryBudget } from '../../functions/lib/retry-budget';

const throttling: RetryErrorInfo = { errorType: 'THROTTLING' };

/** A strategy whose every retry waits `waitMs` before it is allowed, as the SDK's backoff does; Infinity: for ever. */
function waitingStrategy(waitMs: number) {
  const successes: RetryToken[] = [];
  let retries = 0;
  const token = (): RetryToken => ({ getRetryCount: () => retries, getRetryDelay: () => 0 }) as unknown as RetryToken;
  const strategy: RetryStrategyV2 = {
    acquireInitialRetryToken: async () => token(),
    refreshRetryTokenForRetry: async () => {
      await new Promise((resolve) => (waitMs === Infinity ? undefined : setTimeout(resolve, waitMs)));
      retries += 1;
      return token();
    },
    recordSuccess: (t) => successes.push(t),
  };
  return { strategy, successes };
}

describe("a call's retries, limited in time", () => {
  it('are allowed while the call is within its budget', async () => {
    const { strategy, successes } = waitingStrategy(5);
    const budgeted = withRetryBudget(strategy, 1000);
    let token = await budgeted.acquireInitialRetryToken('');
    token = await budgeted.refreshRetryTokenForRetry(token, throttling);
    token = await budgeted.refreshRetryTokenForRetry(token, throttling);
    expect(token.getRetryCount()).toBe(2);
    budgeted.recordSuccess(token);
    expect(successes).toEqual([token]);
  });

  it('are refused once the call has spent its budget, counted from its first attempt', async () => {
    let now = 0;
    const budgeted = withRetryBudget(waitingStrategy(0).strategy, 3000, () => now);
    let token = await budgeted.acquireInitialRetryToken('');
    now = 2000;
    token = await budgeted.refreshRetryTokenForRetry(token, throttling);
    now = 3000;
    await expect(budgeted.refreshRetryTokenForRetry(token, throttling)).rejects.toThrow('3000 ms');
  });

  it('end a backoff that would run past the budget when the budget ends', async () => {
    const budgeted = withRetryBudget(waitingStrategy(Infinity).strategy, 50);
    const token = await budgeted.acquireInitialRetryToken('');
    const started = Date.now();
    await expect(budgeted.refreshRetryTokenForRetry(token, throttling)).rejects.toThrow('50 ms');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
