// The request-rate limit the endpoint injects (registry file `throttle.ratePerSecond`), so callers meet
// ThrottlingException as they would from a busy ECR and their retries are exercised.

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
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
