import { ConfigurationError, readConfig } from '../../functions/lib/config';

function rejection(env: NodeJS.ProcessEnv): Error {
  try {
    readConfig(env);
  } catch (error) {
    return error as Error;
  }
  throw new Error('configuration was accepted');
}

describe('reading the configuration', () => {
  it('uses the defaults when nothing is set', () => {
    expect(readConfig({})).toEqual({
      dryRun: false,
      keepImages: 1,
      unpulledDays: 30,
      manageRootPrefix: false,
      maxConcurrency: 4,
      managedPrefixes: [],
    });
  });

  it('takes an empty variable as unset', () => {
    expect(readConfig({ KEEP_IMAGES: '', DRY_RUN: '' })).toMatchObject({ keepImages: 1, dryRun: false });
  });

  it('reads every setting', () => {
    expect(
      readConfig({
        DRY_RUN: 'true',
        KEEP_IMAGES: '3',
        UNPULLED_DAYS: '0',
        MANAGE_ROOT_PREFIX: 'true',
        MAX_CONCURRENCY: '10',
        MANAGED_PREFIXES: 'docker-hub, k8s',
      }),
    ).toEqual({ dryRun: true, keepImages: 3, unpulledDays: 0, manageRootPrefix: true, maxConcurrency: 10, managedPrefixes: ['docker-hub', 'k8s'] });
  });

  it('reads process.env when no environment is given', () => {
    const saved = process.env.KEEP_IMAGES;
    process.env.KEEP_IMAGES = '7';
    try {
      expect(readConfig().keepImages).toBe(7);
    } finally {
      if (saved === undefined) delete process.env.KEEP_IMAGES;
      else process.env.KEEP_IMAGES = saved;
    }
  });

  it.each([
    ['KEEP_IMAGES', '0'],
    ['KEEP_IMAGES', '1.5'],
    ['UNPULLED_DAYS', '-1'],
    ['UNPULLED_DAYS', 'thirty'],
    ['DRY_RUN', 'yes'],
    ['MANAGE_ROOT_PREFIX', '1'],
    ['MAX_CONCURRENCY', '0'],
    ['MANAGED_PREFIXES', 'docker-hub,Quay'],
  ])('rejects %s=%s, naming the variable', (name, value) => {
    const error = rejection({ [name]: value });
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.name).toBe('ConfigurationError');
    expect(error.message).toMatch(new RegExp(`^${name}\\b`));
  });
});
