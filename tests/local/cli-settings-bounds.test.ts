// Every numeric stage setting through a local sweep: at either bound the sweep runs and fails no repository (what
// packaging accepts never fails at run time); one past either bound it is refused, exit 2 and nothing written.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { lifecyclePolicyText } from '../../functions/lib/lifecycle-policy';
import { KEEP_IMAGES, MAX_CONCURRENCY, UNPULLED_DAYS } from '../../functions/lib/settings';
import { runCli } from './run-cli';

const RANGES = { keepImages: KEEP_IMAGES, unpulledDays: UNPULLED_DAYS, maxConcurrency: MAX_CONCURRENCY };
const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

let dir: string;
const file = (name: string) => path.join(dir, name);
afterEach(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ecr-lifecycle-bounds-'));
  writeFileSync(
    file('registry.json'),
    JSON.stringify({
      pullThroughCacheRules: [{ ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'quay.io' }],
      repositories: Array.from({ length: 3 }, (_, i) => ({
        repositoryName: `quay/app-${i}`,
        // Pushed 20 years before the reference time: older than any unpulledDays allows.
        images: [{ imageDigest: digest(i), imagePushedAt: '2006-11-28T00:00:00Z' }],
      })),
    }),
  );
});

const sweep = (name: string, value: number) =>
  runCli('sweep', '--registry', file('registry.json'), '--now', '2026-11-28T00:00:00Z', '--json', '--param', `${name}=${value}`, '--registry-out', file('out.json'));

describe.each(Object.entries(RANGES))('%s', (name, { min, max }) => {
  it.each([min, max])('at %d sweeps every repository and fails none', async (value) => {
    const { code, stdout } = await sweep(name, value);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).report).toMatchObject({ cached: 3, applied: 3, failed: 0 });
    const repositories = JSON.parse(readFileSync(file('out.json'), 'utf8')).repositories;
    const keepImages = name === 'keepImages' ? value : 1;
    for (const repository of repositories) expect(repository.lifecyclePolicyText).toBe(lifecyclePolicyText(keepImages));
    // unpulledDays 0 expires nothing; any other value finds the 20-year-old images.
    expect(JSON.parse(stdout).report.imagesExpired).toBe(name === 'unpulledDays' && value === 0 ? 0 : 3);
  });

  it.each([min - 1, max + 1])('at %d is refused with one line naming it, and nothing is written', async (value) => {
    const { code, stdout, stderr } = await sweep(name, value);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`ecr-lifecycle: ${name} must be a whole number from ${min} to ${max}, got "${value}"\n`);
    expect(existsSync(file('out.json'))).toBe(false);
  });
});
