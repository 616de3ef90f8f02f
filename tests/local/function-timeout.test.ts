// The layer that ends a local invocation past its function's timeout as AWS does (local/function-timeout.ts).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { functionTimeoutError, functionTimeoutsMs, withinTimeout } from '../../local/function-timeout';

const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('an invocation held to its timeout', () => {
  it('gives what the function returns in time, and stops nothing', async () => {
    const onTimeout = jest.fn();
    await expect(withinTimeout(after(5, 'done'), 200, () => new Error('late'), onTimeout)).resolves.toBe('done');
    await after(250, null);
    expect(onTimeout).not.toHaveBeenCalled();
  });

  it('passes on an error the function throws in time', async () => {
    const thrown = Object.assign(new Error('no'), { name: 'AccessDeniedException' });
    await expect(withinTimeout(Promise.reject(thrown), 200, () => new Error('late'))).rejects.toBe(thrown);
  });

  it.each(['Sandbox.Timedout', 'Lambda.Unknown'] as const)('ends past its timeout with %s and stops what is left of it', async (name) => {
    const onTimeout = jest.fn();
    const started = Date.now();
    const ended = withinTimeout(new Promise(() => {}), 50, () => functionTimeoutError(name, 'checkLifecyclePolicy', 50), onTimeout);
    await expect(ended).rejects.toMatchObject({ name, message: 'checkLifecyclePolicy: Task timed out after 0.05 seconds' });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(onTimeout).toHaveBeenCalledTimes(1);
  });
});

describe("the functions' timeouts", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecr-lifecycle-timeouts-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (text: string) => {
    const written = path.join(dir, `${Math.random()}.yml`);
    fs.writeFileSync(written, text);
    return written;
  };

  it("are read from serverless.yml in milliseconds, the provider's where a function sets none, past CloudFormation tags", () => {
    const yml = file('provider:\n  timeout: 30\nfunctions:\n  a:\n    timeout: 5\n    role: !Ref SomeRole\n  b:\n    handler: b.handler\n');
    expect(functionTimeoutsMs(yml)).toEqual({ a: 5_000, b: 30_000 });
  });

  it('refuse a function with no timeout to read', () => {
    expect(() => functionTimeoutsMs(file('functions:\n  a:\n    timeout: soon\n'))).toThrow('functions.a.timeout is not a timeout in seconds ("soon")');
  });
});
