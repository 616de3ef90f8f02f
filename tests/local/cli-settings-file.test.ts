// The settings file (stage setting settingsFile) on the command line: `sweep` leaves each repository as its prefix's
// settings demand, `policy --prefix` prints that prefix's policy, and a bad file is refused by every command before
// anything runs, with every problem on the one line.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { lifecyclePolicyText } from '../../functions/lib/lifecycle-policy';
import { runCli } from './run-cli';

const run = runCli;

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
let dir: string;
const file = (name: string) => path.join(dir, name);

afterEach(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ecr-lifecycle-settings-file-'));
  writeFileSync(
    file('registry.json'),
    JSON.stringify({
      pullThroughCacheRules: [
        { ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io' },
        { ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'quay.io' },
      ],
      repositories: [
        { repositoryName: 'docker-hub/library/nginx', images: [{ imageDigest: digest(1), imagePushedAt: '2026-05-01T00:00:00Z', lastRecordedPullTime: '2026-10-01T00:00:00Z' }] },
        { repositoryName: 'quay/coreos/etcd', images: [{ imageDigest: digest(2), imagePushedAt: '2026-05-01T00:00:00Z', lastRecordedPullTime: '2026-10-01T00:00:00Z' }] },
        { repositoryName: 'quay/acme/api', images: [{ imageDigest: digest(3), imagePushedAt: '2025-01-01T00:00:00Z' }] },
      ],
    }),
  );
  writeFileSync(file('settings.yml'), 'prefixes:\n  docker-hub: { keepImages: 3, unpulledDays: 90 }\nexclude:\n  - quay/acme/*\n');
});

test('sweep leaves in --registry-out exactly what the settings file demands, repository by repository', async () => {
  const { code, stdout } = await run(
    'sweep', '--registry', file('registry.json'), '--now', '2026-11-28T00:00:00Z',
    '--param', `settingsFile=${file('settings.yml')}`, '--registry-out', file('out.json'),
  );
  expect(code).toBe(0);
  expect(stdout).toMatch(/excluded by the settings file, left alone\s+1/);
  const after = Object.fromEntries(
    JSON.parse(readFileSync(file('out.json'), 'utf8')).repositories.map((r: { repositoryName: string }) => [r.repositoryName, r]),
  );
  // docker-hub: keep 3, 90 days: an image pulled 58 days ago stays. quay: the stage's 1 image and 30 days.
  expect(after['docker-hub/library/nginx']).toMatchObject({ lifecyclePolicyText: lifecyclePolicyText(3), images: [{ imageDigest: digest(1) }] });
  expect(after['quay/coreos/etcd']).toMatchObject({ lifecyclePolicyText: lifecyclePolicyText(1), images: [] });
  expect(after['quay/acme/api'].lifecyclePolicyText).toBeUndefined();
  expect(after['quay/acme/api'].images).toHaveLength(1);
});

test('a bad settings file exits 2 with every problem on a line of its own, and nothing is written', async () => {
  writeFileSync(file('bad.yml'), 'prefixes:\n  docker-hub: { keepImages: 0, unpulledDays: -1 }\nexclude: ["quay/**/**"]\nexcludes: []\n');
  const { code, stdout, stderr } = await run(
    'sweep', '--registry', file('registry.json'), '--param', `settingsFile=${file('bad.yml')}`, '--registry-out', file('out.json'),
  );
  expect(code).toBe(2);
  expect(stdout).toBe('');
  const [heading, ...problems] = stderr.trimEnd().split('\n');
  expect(heading).toBe('ecr-lifecycle: invalid configuration:');
  expect(problems).toEqual([
    expect.stringMatching(/^  .*bad\.yml: unknown field "excludes"/),
    expect.stringMatching(/^  .*bad\.yml: prefixes\.docker-hub\.keepImages must be a whole number from 1 to 1000, got 0$/),
    expect.stringMatching(/^  .*bad\.yml: prefixes\.docker-hub\.unpulledDays must be a whole number from 0 to 3650, got -1$/),
    expect.stringMatching(/^  .*bad\.yml: exclude\[0\] "quay\/\*\*\/\*\*"/),
  ]);
  expect(existsSync(file('out.json'))).toBe(false);
});

test('policy and rules --check refuse a bad settings file too', async () => {
  writeFileSync(file('bad.yml'), 'prefixes:\n  Docker: {}\n');
  for (const args of [['policy'], ['rules', '--check', '--file', path.join(__dirname, '../../config/pull-through-cache-rules.example.json')]]) {
    const { code, stderr } = await run(...args, '--param', `settingsFile=${file('bad.yml')}`);
    expect(code).toBe(2);
    expect(stderr).toContain('prefixes.Docker is not a pull-through cache prefix');
  }
});

test("policy --prefix prints that prefix's exact policy, and without --prefix the stage's", async () => {
  const settings = `settingsFile=${file('settings.yml')}`;
  expect((await run('policy', '--prefix', 'docker-hub', '--param', settings)).stdout).toBe(`${lifecyclePolicyText(3)}\n`);
  expect((await run('policy', '--prefix', 'quay', '--param', settings, '--param', 'keepImages=2')).stdout).toBe(`${lifecyclePolicyText(2)}\n`);
  expect((await run('policy', '--param', settings)).stdout).toBe(`${lifecyclePolicyText(1)}\n`);
  const refused = await run('policy', '--prefix', 'Docker_Hub', '--param', settings);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain('--prefix Docker_Hub is not a pull-through cache prefix');
});
