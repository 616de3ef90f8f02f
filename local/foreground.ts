// How a command that runs in the foreground (`serve`) learns it should stop: Ctrl-C, a signal, or the process that
// started it going away. `npx ecr-lifecycle serve &` runs it under npm exec and a shell; a `kill` of npm exec ends
// the shell but never reaches this process, which would go on serving under PID 1, so the parent is watched too.

/** How often the parent is checked: a script that kills the starter finds the port closed within about a second. */
const PARENT_CHECK_MS = 250;

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Resolves with what ended the run: a signal's name, or `parent` when the starting process is gone. Call it before
 * saying that the command runs: whoever reads that may end the starter at once.
 */
export function untilStopped(): Promise<string> {
  const parent = process.ppid;
  return new Promise((resolve) => {
    const stop = (reason: string) => {
      clearInterval(watch);
      for (const signal of SIGNALS) process.off(signal, onSignal);
      resolve(reason);
    };
    const onSignal = (signal: NodeJS.Signals) => stop(signal);
    const watch = setInterval(() => {
      if (!running(parent)) stop('parent');
    }, PARENT_CHECK_MS);
    for (const signal of SIGNALS) process.once(signal, onSignal);
  });
}

/** Signal 0 tests that a process exists without signalling it; EPERM: it exists, owned by someone else. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
