import { isCachedRepository, isUnderPrefix, managedPrefixes, ROOT_PREFIX } from '../../functions/lib/cached-repositories';

describe('which repositories a pull-through cache prefix covers', () => {
  it('covers a repository under the prefix', () => {
    expect(isUnderPrefix('quay/coreos/etcd', 'quay')).toBe(true);
    expect(isUnderPrefix('quay/x', 'quay')).toBe(true);
  });

  it('does not cover a repository whose name merely starts with the same letters', () => {
    expect(isUnderPrefix('quayside/app', 'quay')).toBe(false);
    expect(isUnderPrefix('quay-mirror/coreos/etcd', 'quay')).toBe(false);
  });

  it('does not cover a repository named like the prefix itself', () => {
    expect(isUnderPrefix('quay', 'quay')).toBe(false);
  });

  it('does not cover a name that ends at the slash after the prefix', () => {
    expect(isUnderPrefix('quay/', 'quay')).toBe(false);
  });

  it('does not cover a repository that contains the prefix further in', () => {
    expect(isUnderPrefix('team/quay/etcd', 'quay')).toBe(false);
  });

  it('matches prefixes that contain a slash on their last segment boundary', () => {
    expect(isUnderPrefix('team/cache/library/nginx', 'team/cache')).toBe(true);
    expect(isUnderPrefix('team/cachet/nginx', 'team/cache')).toBe(false);
    expect(isUnderPrefix('team/nginx', 'team/cache')).toBe(false);
  });

  it('takes a repository as cached when any prefix covers it', () => {
    const prefixes = ['docker-hub', 'quay', 'team/cache'];
    expect(isCachedRepository('docker-hub/library/nginx', prefixes)).toBe(true);
    expect(isCachedRepository('team/cache/app', prefixes)).toBe(true);
    expect(isCachedRepository('team/app', prefixes)).toBe(false);
    expect(isCachedRepository('docker-hubble/x', prefixes)).toBe(false);
  });

  it('takes no repository as cached when there are no prefixes', () => {
    expect(isCachedRepository('docker-hub/library/nginx', [])).toBe(false);
  });

  it('takes every repository as cached under a ROOT prefix', () => {
    expect(ROOT_PREFIX).toBe('ROOT');
    expect(isCachedRepository('my-team-app', ['ROOT'])).toBe(true);
    expect(isCachedRepository('a/b/c', ['quay', 'ROOT'])).toBe(true);
  });

  it('takes ROOT only as the special word, not as a prefix named root', () => {
    expect(isCachedRepository('app', ['root'])).toBe(false);
    expect(isCachedRepository('root/app', ['root'])).toBe(true);
  });
});

describe('the prefixes a run manages', () => {
  const registry = ['docker-hub', 'quay', 'ROOT'];

  it('leaves the ROOT rule out unless the stage opts in', () => {
    expect(managedPrefixes(registry, { manageRootPrefix: false, managedPrefixes: [] })).toEqual(['docker-hub', 'quay']);
    expect(managedPrefixes(registry, { manageRootPrefix: true, managedPrefixes: [] })).toEqual(['docker-hub', 'quay', 'ROOT']);
  });

  it('keeps only the configured prefixes the registry has when the stack manages only its own rules', () => {
    expect(managedPrefixes(registry, { manageRootPrefix: false, managedPrefixes: ['quay', 'k8s'] })).toEqual(['quay']);
  });
});
