import type { RetryErrorInfo, RetryToken } from '@smithy/types';
import { backoffMs, standardDecisions, withRetryBudget } from '../../functions/lib/retry-budget';

const throttling: RetryErrorInfo = { errorType: 'THROTTLING' };
const transient: RetryErrorInfo = { errorType: 'TRANSIENT' };

describe("the SDK's standard backoff", () => {
  it('waits below 1 s doubled for each retry after throttling, 50 ms doubled after other errors, 20 s at most', () => {
    const most = () => 0.999999;
    expect([0, 1, 2, 3].map((count) => backoffMs(throttling, count, most))).toEqual([999, 1999, 3999, 7999]);
    expect([0, 1, 2].map((count) => backoffMs(transient, count, most))).toEqual([49, 99, 199]);
    expect(backoffMs(throttling, 10, most)).toBe(19_999);
    expect(backoffMs(throttling, 3, () => 0.25)).toBe(2000);
  });
});

describe("a call's retries, limited in time", () => {
  it('are allowed while the call is within its budget, each after its backoff', async () => {
    let now = 0;
    const budgeted = withRetryBudget(standardDecisions(6), 3000, { now: () => now, random: () => 0.01 });
    let token = await budgeted.acquireInitialRetryToken('');
    const started = Date.now();
    token = await budgeted.refreshRetryTokenForRetry(token, throttling);
    now = 1000;
    token = await budgeted.refreshRetryTokenForRetry(token, throttling);
    expect(token.getRetryCount()).toBe(2);
    // 1% of 1 s, then of 2 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(29);
  });

  it('are refused once the call has spent its budget, counted from its first attempt', async () => {
    let now = 0;
    const budgeted = withRetryBudget(standardDecisions(6), 3000, { now: () => now, random: () => 0 });
    let token = await budgeted.acquireInitialRetryToken('');
    now = 2000;
    token = await budgeted.refreshRetryTokenForRetry(token, throttling);
    now = 3000;
    await expect(budgeted.refreshRetryTokenForRetry(token, throttling)).rejects.toThrow('3000 ms');
  });

  it('are refused when the budget ends if the backoff would end past it, and leave no wait behind', async () => {
    const budgeted = withRetryBudget(standardDecisions(6), 200, { random: () => 0.9 });
    const token = await budgeted.acquireInitialRetryToken('');
    const started = Date.now();
    // 0.9 of 1 s is past 200 ms: the test environment fails a file that leaves the rest of such a wait running.
    await expect(budgeted.refreshRetryTokenForRetry(token, throttling)).rejects.toThrow('200 ms');
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(Date.now() - started).toBeLessThan(440);
  });

  it("keep the SDK's decisions: no retry of an error it does not retry, nor past its attempts", async () => {
    const budgeted = withRetryBudget(standardDecisions(2), 3000, { random: () => 0 });
    const first = await budgeted.acquireInitialRetryToken('');
    await expect(budgeted.refreshRetryTokenForRetry(first, { errorType: 'CLIENT_ERROR' })).rejects.toThrow('No retry token available');
    const second: RetryToken = await budgeted.refreshRetryTokenForRetry(first, throttling);
    await expect(budgeted.refreshRetryTokenForRetry(second, throttling)).rejects.toThrow('No retry token available');
  });
});
