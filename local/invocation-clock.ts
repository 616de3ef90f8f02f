// How long a local invocation has run, as its own execution environment would count it. Lambda runs each
// invocation in an environment of its own; a local run serves all of them on this process's one thread, and a
// Distributed Map's children keep that thread busy. So an invocation's clock counts the time the thread waited (on
// ECR, as every invocation waits on AWS) in full, and of the time the thread worked, its share: with k invocations
// in flight, one k-th. A function that waits on a slow ECR runs past its timeout as on AWS; one that only waited
// its turn for the thread does not.
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

/** How far an invocation's clock moves over a stretch where the thread waited `idleMs` and worked `activeMs`. */
export function invocationShareMs({ idle, active }: Pick<EventLoopUtilization, 'idle' | 'active'>, inFlight: number): number {
  return idle + active / Math.max(inFlight, 1);
}

export interface InvocationTiming {
  /** The time the invocation has run so far, in milliseconds of its own clock. */
  elapsedMs(): number;
  /** The invocation ended: it no longer shares the thread. */
  end(): void;
}

export class InvocationClock {
  private inFlight = 0;
  private nowMs = 0;
  private read: EventLoopUtilization = performance.eventLoopUtilization();

  /** Moves the shared clock to now, at the share each invocation in flight had since it last moved. */
  private advance(): number {
    const read = performance.eventLoopUtilization();
    this.nowMs += invocationShareMs(performance.eventLoopUtilization(read, this.read), this.inFlight);
    this.read = read;
    return this.nowMs;
  }

  start(): InvocationTiming {
    const startedMs = this.advance();
    this.inFlight += 1;
    let ended = false;
    return {
      elapsedMs: () => this.advance() - startedMs,
      end: () => {
        if (ended) return;
        ended = true;
        this.advance();
        this.inFlight -= 1;
      },
    };
  }
}

/** The one thread's clock: every local run in this process shares it. */
export const THREAD_CLOCK = new InvocationClock();
