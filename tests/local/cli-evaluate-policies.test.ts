// `ecr-lifecycle evaluate-policies` as a user runs it: ECR's next lifecycle evaluation on a registry file, every
// repository under its own stored policy, faults not applied; bad input exits 2 with one line and writes nothing.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { lifecyclePolicyText } from '../../functions/lib/lifecycle-policy';
import { parseRegistry, type Registry } from '../../local/ecr/registry-file';
import { digest, KEEP_LATEST_POLICY, multiPlatformRepository } from './ecr-fixtures';
import { runCli } from './run-cli';

/** A person's policy: keep two prod-* images, expire anything else pushed over 30 days ago. */
const PERSONS_POLICY = JSON.stringify({
  rules: [
    { rulePriority: 1, selection: { tagStatus: 'tagged', tagPatternList: ['prod-*'], countType: 'imageCountMoreThan', countNumber: 2 }, action: { type: 'expire' } },
    { rulePriority: 2, selection: { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 }, action: { type: 'expire' } },
  ],
});

const MB = 1_000_000;
const image = (n: number, pushed: string, tags: string[] = [], bytes = MB) => ({
  imageDigest: digest(n),
  ...(tags.length ? { imageTags: tags } : {}),
  imageSizeInBytes: bytes,
  imagePushedAt: pushed,
});

const registry = (): Registry => ({
  pullThroughCacheRules: [{ ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io' }],
  repositories: [
    {
      // The tool's keep-2 policy: the two latest pushes stay, whatever their pulls.
      repositoryName: 'docker-hub/library/nginx',
      lifecyclePolicyText: lifecyclePolicyText(2),
      images: [image(1, '2026-11-01T00:00:00Z', ['1.27']), image(2, '2026-10-01T00:00:00Z', ['1.26']), image(3, '2026-09-01T00:00:00Z', ['1.25'], 3 * MB)],
    },
    {
      // A person's policy, faults on every call: ECR's evaluation is no call, so the faults change nothing.
      repositoryName: 'docker-hub/team/app',
      lifecyclePolicyText: PERSONS_POLICY,
      images: [
        image(10, '2026-11-20T00:00:00Z', ['prod-3']),
        image(11, '2026-08-01T00:00:00Z', ['prod-2']),
        image(12, '2026-07-01T00:00:00Z', ['prod-1']),
        image(13, '2026-11-25T00:00:00Z', ['dev-2']),
        image(14, '2026-09-01T00:00:00Z', ['dev-1']),
      ],
      faults: { DescribeImages: 'AccessDeniedException', BatchDeleteImage: 'AccessDeniedException' },
    },
    // No policy: nothing to evaluate.
    { repositoryName: 'docker-hub/library/redis', images: [image(20, '2020-01-01T00:00:00Z')] },
    // A multi-platform image under keep-latest: the index's manifests stay while it does.
    { ...multiPlatformRepository('docker-hub/library/busybox'), lifecyclePolicyText: KEEP_LATEST_POLICY },
  ],
});

let dir: string;
const file = (name: string) => path.join(dir, name);
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ecr-lifecycle-evaluate-'));
  writeFileSync(file('in.json'), JSON.stringify(registry(), null, 2));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const digestsOf = (out: Registry, name: string) =>
  out.repositories.find((r) => r.repositoryName === name)?.images?.map((i) => i.imageDigest);

describe('evaluate-policies', () => {
  it("expires what each repository's own policy says, and writes the registry back in the same format", async () => {
    const run = await runCli('evaluate-policies', '--registry', file('in.json'), '--registry-out', file('out.json'), '--now', '2026-11-28T00:00:00Z');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = parseRegistry(JSON.parse(readFileSync(file('out.json'), 'utf8')));
    expect(digestsOf(out, 'docker-hub/library/nginx')).toEqual([digest(1), digest(2)]);
    // Rule 1 keeps prod-3 and prod-2 and expires prod-1; rule 2 expires dev-1 (pushed 88 days before), not dev-2.
    expect(digestsOf(out, 'docker-hub/team/app')).toEqual([digest(10), digest(11), digest(13)]);
    expect(out.repositories[1].faults).toEqual(registry().repositories[1].faults);
    expect(digestsOf(out, 'docker-hub/library/redis')).toEqual([digest(20)]);
    // Stored bytes freed: 3 + 1 + 1 MB, the index (nothing of its own: its manifests stay, and with them their
    // layers), its signature (1 kB) and 1.25 (60 MB): 65,001,000 bytes.
    // The signature (2 Nov) is the latest push; the index and 1.25 go, the signature with its subject, and the
    // manifests the index listed stay for a later evaluation.
    expect(digestsOf(out, 'docker-hub/library/busybox')).toEqual([digest(11), digest(12)]);
    expect(run.stdout).toBe(
      [
        "ECR's lifecycle evaluation as of 2026-11-28T00:00:00.000Z, over 3 repositories with a lifecycle policy: 6 images expired (62.0 MiB), 0 archived",
        'Not documented by ECR (4 images in 1 repositories): a count rule past its count counted an image index, the manifests it lists or a referrer (signature, attestation) as separate images; ECR does not document this (users report it: aws/containers-roadmap #2613)',
        'Not documented by ECR (2 images in 1 repositories): a manifest whose every index expires in the same evaluation was kept; ECR documents only that the index goes first, not whether its manifests go in the same evaluation or a later one',
        '',
      ].join('\n'),
    );
  });

  it('a second evaluation a day later finishes what the first left', async () => {
    await runCli('evaluate-policies', '--registry', file('in.json'), '--registry-out', file('day1.json'), '--now', '2026-11-28T00:00:00Z');
    const run = await runCli('evaluate-policies', '--registry', file('day1.json'), '--registry-out', file('day2.json'), '--now', '2026-11-29T00:00:00Z');
    const out = parseRegistry(JSON.parse(readFileSync(file('day2.json'), 'utf8')));
    // Once the index is gone, its two manifests are two untagged images under keep-latest: one stays.
    expect(digestsOf(out, 'docker-hub/library/busybox')).toHaveLength(1);
    expect(digestsOf(out, 'docker-hub/library/nginx')).toEqual([digest(1), digest(2)]);
    expect(run.stdout).toMatch(/^ECR's lifecycle evaluation as of 2026-11-29T00:00:00\.000Z, over 3 repositories with a lifecycle policy: 1 images expired/);
  });

  it.each<[string, string[], RegExp]>([
    ['a date that does not exist', ['--now', '2026-02-30T00:00:00Z'], /^ecr-lifecycle: --now 2026-02-30T00:00:00Z: February 2026 has no day 30\n$/],
    ['an output in a missing folder', ['--registry-out', '/nonexistent-folder/out.json'], /^ecr-lifecycle: --registry-out \/nonexistent-folder\/out\.json: folder \/nonexistent-folder does not exist\n$/],
    ['the input given again as the output', ['--registry-out', 'IN'], /^ecr-lifecycle: --registry-out .*in\.json: is the same file as --registry .*in\.json; give another path\n$/],
    ['a registry file that is not one', ['--registry', 'BAD'], /^ecr-lifecycle: .*bad\.json: repositories\[0\]\.images\[0\]\.manifestDigests: missing: an image index/],
  ])('refuses %s: exit 2, one line, nothing written', async (_, change, expected) => {
    const bad = registry();
    delete bad.repositories[3].images![0].manifestDigests;
    bad.repositories = [bad.repositories[3]];
    writeFileSync(file('bad.json'), JSON.stringify(bad));
    const args = { '--registry': file('in.json'), '--registry-out': file('out.json') } as Record<string, string>;
    for (let i = 0; i < change.length; i += 2) {
      args[change[i]] = change[i + 1] === 'IN' ? file('in.json') : change[i + 1] === 'BAD' ? file('bad.json') : change[i + 1];
    }
    const run = await runCli('evaluate-policies', ...Object.entries(args).flat());
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(expected);
    expect(run.stdout).toBe('');
    expect(existsSync(file('out.json'))).toBe(false);
    expect(JSON.parse(readFileSync(file('in.json'), 'utf8'))).toEqual(registry());
  });

  it('needs both files, and says so as the tool says everything', async () => {
    const run = await runCli('evaluate-policies', '--registry', file('in.json'));
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("ecr-lifecycle: required option '--registry-out <file>' not specified\n");
  });

  it('needs exactly one of --registry and --demo', async () => {
    for (const args of [[], ['--demo', '--registry', file('in.json')]]) {
      const run = await runCli('evaluate-policies', ...args, '--registry-out', file('out.json'));
      expect(run).toEqual({ code: 2, stdout: '', stderr: 'ecr-lifecycle: evaluate-policies needs exactly one of --registry FILE, --demo\n' });
    }
  });
});

describe('evaluate-policies --demo', () => {
  const DEMO = path.join(__dirname, '../../fixtures/demo-registry.json');

  it('evaluates the bundled demo registry as --registry would, and never writes it', async () => {
    const before = readFileSync(DEMO, 'utf8');
    const demo = await runCli('evaluate-policies', '--demo', '--registry-out', file('demo-out.json'), '--now', '2026-11-29T00:00:00Z');
    const named = await runCli('evaluate-policies', '--registry', DEMO, '--registry-out', file('named-out.json'), '--now', '2026-11-29T00:00:00Z');
    expect(demo.code).toBe(0);
    expect(demo.stdout).not.toBe('');
    expect(demo).toEqual(named);
    expect(readFileSync(file('demo-out.json'), 'utf8')).toBe(readFileSync(file('named-out.json'), 'utf8'));
    expect(readFileSync(DEMO, 'utf8')).toBe(before);
  });
});
