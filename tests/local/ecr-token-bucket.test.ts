// The throttle's token bucket on a hand-driven clock.
import { TokenBucket } from '../../local/ecr/token-bucket';

function clock() {
  let ms = 0;
  return { now: () => ms, advance: (by: number) => (ms += by) };
}

it('lets a burst of one second of calls through, then one call per 1/rate seconds', () => {
  const time = clock();
  const bucket = new TokenBucket(4, time.now);
  expect([1, 2, 3, 4, 5].map(() => bucket.tryTake())).toEqual([true, true, true, true, false]);
  time.advance(200);
  expect(bucket.tryTake()).toBe(false);
  time.advance(50);
  expect(bucket.tryTake()).toBe(true);
  expect(bucket.tryTake()).toBe(false);
});

it('never saves up more than one second of calls', () => {
  const time = clock();
  const bucket = new TokenBucket(2, time.now);
  time.advance(60_000);
  expect([1, 2, 3].map(() => bucket.tryTake())).toEqual([true, true, false]);
});

it('allows a burst of one below one call per second', () => {
  const time = clock();
  const bucket = new TokenBucket(0.5, time.now);
  expect(bucket.tryTake()).toBe(true);
  time.advance(1_999);
  expect(bucket.tryTake()).toBe(false);
  time.advance(1);
  expect(bucket.tryTake()).toBe(true);
});
