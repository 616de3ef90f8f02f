import { InvalidExecutionInput, parseExecutionInput } from '../../functions/lib/execution-input';

function rejection(input: unknown): Error {
  try {
    parseExecutionInput(input);
  } catch (error) {
    return error as Error;
  }
  throw new Error('input was accepted');
}

describe('the sweep execution input', () => {
  it('accepts an empty input, as the schedule sends', () => {
    expect(parseExecutionInput({})).toEqual({});
  });

  it('accepts no input at all', () => {
    expect(parseExecutionInput(undefined)).toEqual({});
    expect(parseExecutionInput(null)).toEqual({});
  });

  it('accepts a dry run request', () => {
    expect(parseExecutionInput({ dryRun: true })).toEqual({ dryRun: true });
  });

  it('accepts a repository name and a reference time with an offset', () => {
    expect(parseExecutionInput({ repositoryName: 'quay/coreos/etcd', referenceTime: '2026-11-30T02:00:00+01:00' })).toEqual({
      repositoryName: 'quay/coreos/etcd',
      referenceTime: '2026-11-30T02:00:00+01:00',
    });
  });

  it('rejects an unknown field, naming it', () => {
    const error = rejection({ dryrun: true });
    expect(error).toBeInstanceOf(InvalidExecutionInput);
    expect(error.name).toBe('InvalidExecutionInput');
    expect(error.message).toContain('dryrun');
  });

  it('rejects a reference time that is not an ISO date-time', () => {
    const error = rejection({ referenceTime: 'yesterday' });
    expect(error.name).toBe('InvalidExecutionInput');
    expect(error.message).toContain('referenceTime');
  });

  it('rejects a dry run flag given as a string', () => {
    const error = rejection({ dryRun: 'true' });
    expect(error.name).toBe('InvalidExecutionInput');
    expect(error.message).toContain('dryRun');
  });

  it('rejects a repository name longer than ECR allows', () => {
    expect(rejection({ repositoryName: 'a'.repeat(257) }).message).toContain('repositoryName');
    expect(parseExecutionInput({ repositoryName: 'a'.repeat(256) }).repositoryName).toHaveLength(256);
  });

  it('rejects a repository name outside ECR\'s pattern', () => {
    expect(rejection({ repositoryName: 'Docker-Hub/nginx' }).message).toBe('repositoryName: not a valid ECR repository name');
    expect(rejection({ repositoryName: 'docker-hub//nginx' }).name).toBe('InvalidExecutionInput');
  });

  it('rejects an input that is not an object', () => {
    expect(rejection('run').name).toBe('InvalidExecutionInput');
    expect(rejection([]).name).toBe('InvalidExecutionInput');
  });
});
