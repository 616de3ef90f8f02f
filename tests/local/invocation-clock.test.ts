import { InvocationClock, invocationShareMs } from '../../local/invocation-clock';
import { withinTimeout } from '../../local/function-timeout';

/** Keeps the thread working for `ms`, as other invocations' code would. */
function work(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}
const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe("an invocation's share of the thread", () => {
  it('is the time the thread waited, and of the time it worked one part for each invocation in flight', () => {
    expect(invocationShareMs({ idle: 100, active: 400 }, 4)).toBe(200);
    expect(invocationShareMs({ idle: 100, active: 400 }, 1)).toBe(500);
    // Nothing in flight: the clock moves as the wall's.
    expect(invocationShareMs({ idle: 100, active: 400 }, 0)).toBe(500);
  });
});

describe("an invocation's clock", () => {
  it('counts all the work of the thread while the invocation is alone', () => {
    const clock = new InvocationClock();
    const alone = clock.start();
    work(200);
    expect(alone.elapsedMs()).toBeGreaterThanOrEqual(195);
    alone.end();
  });

  it('counts one k-th of the work while k invocations are in flight', () => {
    const clock = new InvocationClock();
    const timings = [clock.start(), clock.start(), clock.start(), clock.start()];
    const started = Date.now();
    work(400);
    const wall = Date.now() - started;
    for (const timing of timings) {
      expect(timing.elapsedMs()).toBeGreaterThanOrEqual(95);
      expect(timing.elapsedMs()).toBeLessThan(wall / 2);
    }
    for (const timing of timings) timing.end();
  });

  it('gives an ended invocation no further share: the others count the work in fewer parts', () => {
    const clock = new InvocationClock();
    const [staying, leaving] = [clock.start(), clock.start()];
    leaving.end();
    leaving.end();
    work(200);
    expect(staying.elapsedMs()).toBeGreaterThanOrEqual(195);
    staying.end();
  });
});

describe('a timeout on the invocation clock', () => {
  it('ends no invocation that only waited for the thread while others worked, long past its timeout by the wall', async () => {
    const clock = new InvocationClock();
    const onTimeout = jest.fn();
    const started = Date.now();
    const invocations = [1, 2, 3, 4].map((n) => withinTimeout(after(20, n), 150, () => new Error('late'), onTimeout, clock));
    work(400);
    await expect(Promise.all(invocations)).resolves.toEqual([1, 2, 3, 4]);
    expect(Date.now() - started).toBeGreaterThan(150);
    expect(onTimeout).not.toHaveBeenCalled();
  });

  it('ends one that waits past its timeout, with the others in flight', async () => {
    const clock = new InvocationClock();
    const slow = withinTimeout(new Promise(() => {}), 150, () => new Error('late'), () => {}, clock);
    const fast = [1, 2, 3].map((n) => withinTimeout(after(10, n), 150, () => new Error('late'), () => {}, clock));
    const started = Date.now();
    await expect(slow).rejects.toThrow('late');
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(Promise.all(fast)).resolves.toEqual([1, 2, 3]);
  });
});
