// Every test file's environment: Node's, and a check that the file leaves nothing running once its tests are done.
// Jest runs the files of a small machine in its own process, one after another: a timer, socket, server or child
// process a file leaves behind keeps that process up after the last test, and Jest then says it "did not exit".
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import { TestEnvironment } from 'jest-environment-node';
import { promisify } from 'node:util';

/** How long a file's leftovers may take to end by themselves: Jest's own wait before it says so. */
const GRACE_MS = 1_000;

/** The handles (sockets, servers, child processes) that keep this process alive; Node has no public list. */
const activeHandles = (): object[] => (process as unknown as { _getActiveHandles(): object[] })._getActiveHandles();

/** What a handle is, in a leftover's description: its class, and for a child process its command. */
function describeHandle(handle: object): string {
  const spawnargs = (handle as { spawnargs?: string[] }).spawnargs;
  return spawnargs ? `${handle.constructor.name} (${spawnargs.join(' ')})` : handle.constructor.name;
}

export default class NothingLeftRunning extends TestEnvironment {
  private readonly testPath: string;
  /** Timers the file set that have neither fired nor been cleared (intervals until cleared). */
  private readonly timers = new Map<NodeJS.Timeout, string>();
  private handlesBefore = new Set<object>();

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    this.testPath = context.testPath;
    this.watchTimers();
  }

  /** The file's setTimeout and setInterval (its code's and its modules'), each remembered until it is done. */
  private watchTimers(): void {
    const global = this.global as unknown as typeof globalThis;
    const timers = this.timers;
    const { setTimeout: set, setInterval: every, clearTimeout: clear, clearInterval: clearEvery } = global;
    // Where the timer was set: the two frames above this file's.
    const where = (kind: string, ms: number | undefined) => [`${kind} of ${ms ?? 0} ms`, ...new Error().stack!.split('\n').slice(3, 5)].join('\n');
    global.setTimeout = ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const timer = set((...given: unknown[]) => {
        timers.delete(timer);
        callback(...given);
      }, ms, ...args);
      timers.set(timer, where('setTimeout', ms));
      return timer;
    }) as typeof setTimeout;
    // util.promisify(setTimeout) keeps working (untracked: its promise holds the timer to its end).
    Object.assign(global.setTimeout, { [promisify.custom]: (set as unknown as Record<symbol, unknown>)[promisify.custom] });
    global.setInterval = ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const timer = every(callback, ms, ...args);
      timers.set(timer, where('setInterval', ms));
      return timer;
    }) as typeof setInterval;
    global.clearTimeout = ((timer?: NodeJS.Timeout) => {
      if (timer) timers.delete(timer);
      clear(timer);
    }) as typeof clearTimeout;
    global.clearInterval = ((timer?: NodeJS.Timeout) => {
      if (timer) timers.delete(timer);
      clearEvery(timer);
    }) as typeof clearInterval;
  }

  async setup(): Promise<void> {
    await super.setup();
    this.handlesBefore = new Set(activeHandles());
  }

  /** What the file left that keeps the process alive, one line each. */
  private leftovers(): string[] {
    const timers = [...this.timers].filter(([timer]) => timer.hasRef()).map(([, made]) => made);
    const handles = activeHandles().filter((handle) => !this.handlesBefore.has(handle)).map(describeHandle);
    return [...timers, ...handles];
  }

  async teardown(): Promise<void> {
    const until = Date.now() + GRACE_MS;
    let left = this.leftovers();
    while (left.length > 0 && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      left = this.leftovers();
    }
    await super.teardown();
    if (left.length > 0) throw new Error(`${this.testPath} left running ${GRACE_MS} ms after its tests:\n${left.join('\n')}`);
  }
}
