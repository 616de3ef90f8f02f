// The request-rate limits the endpoint injects (registry file `throttle`: one bucket over all calls, one per
// operation), so callers meet ThrottlingException as they would from a busy ECR and their retries are exercised.

export class TokenBucket {
  private tokens: number;
  private last: number;
  /** A burst of up to one second's worth of calls, at least one, passes before throttling starts. */
  readonly capacity: number;

  constructor(
    readonly ratePerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.capacity = Math.max(1, ratePerSecond);
    this.tokens = this.capacity;
    this.last = now();
  }

  /** Takes one token if there is one. */
  tryTake(): boolean {
    return TokenBucket.tryTakeEach([this]);
  }

  /** Whether a token is there now. */
  private refill(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
    return this.tokens >= 1;
  }

  private take(): void {
    this.tokens -= 1;
  }

  /** Takes a token from each bucket if every one has one, and from none otherwise: a refused call costs nothing. */
  static tryTakeEach(buckets: readonly TokenBucket[]): boolean {
    // Every bucket refills, so that none counts the time a call waited on another as its own.
    const refilled = buckets.map((bucket) => bucket.refill());
    if (!refilled.every(Boolean)) return false;
    for (const bucket of buckets) bucket.take();
    return true;
  }
}
