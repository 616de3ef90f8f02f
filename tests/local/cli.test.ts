// The `ecr-lifecycle` command line as a user runs it: exit 0 when done, 1 when repositories failed (named),
// 2 with one line on stderr for bad input; `policy` prints what ECR accepts; `--demo` never writes the demo file.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { validateLifecyclePolicyText } from '../../functions/lib/lifecycle-policy';
import { SETTINGS, SETTING_NAMES } from '../../functions/lib/settings';
import { main } from '../../local/cli';
import { Collect, runCli, runCliAnswering, withEnvironment, type CliRun as Run } from './run-cli';
import { parseRegistry } from '../../local/ecr/registry-file';
import { startEcrEndpoint } from '../../local/ecr/server';
import { multiPlatformRepository } from './ecr-fixtures';
import { startStsEndpoint } from './sts-endpoint';
import { accessKeyIdFor } from '../../local/ecr/principals';

const ROOT = path.resolve(__dirname, '../..');
const NOW = '2026-11-28T00:00:00Z';
const TOOL_POLICY =
  '{"rules":[{"rulePriority":1,"description":"ecr-lifecycle-manager: keep the latest 1 tagged image","selection":{"tagStatus":"tagged","tagPatternList":["*"],"countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}';
const PERSONS_POLICY = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      description: 'Expire images pushed more than 90 days ago',
      selection: { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 90 },
      action: { type: 'expire' },
    },
  ],
});
const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

const run = runCli;

let dir: string;
const file = (name: string) => path.join(dir, name);
const writeJson = (name: string, value: unknown) => writeFileSync(file(name), JSON.stringify(value, null, 2));

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ecr-lifecycle-cli-'));
});

/** `--aws` takes the SDK's own variables from the environment the user runs it in: this sets them for `work`. */
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const registry = {
  pullThroughCacheRules: [
    { ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io' },
    { ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'quay.io' },
  ],
  repositories: [
    {
      repositoryName: 'docker-hub/library/nginx',
      images: [
        { imageDigest: digest(1), imageTags: ['1.25'], imagePushedAt: '2026-01-01T00:00:00Z', lastRecordedPullTime: '2026-09-29T00:00:00Z' },
        { imageDigest: digest(2), imageTags: ['1.27'], imagePushedAt: '2026-11-01T00:00:00Z', lastRecordedPullTime: '2026-11-27T00:00:00Z' },
      ],
    },
    {
      repositoryName: 'quay/coreos/etcd',
      lifecyclePolicyText: PERSONS_POLICY,
      images: [{ imageDigest: digest(3), imageTags: ['3.4.0'], imagePushedAt: '2024-01-01T00:00:00Z', lastRecordedPullTime: '2025-10-20T00:00:00Z' }],
    },
    {
      repositoryName: 'quayside/app',
      images: [{ imageDigest: digest(4), imageTags: ['v1'], imagePushedAt: '2024-01-01T00:00:00Z' }],
    },
    {
      repositoryName: 'docker-hub/library/redis',
      lifecyclePolicyText: TOOL_POLICY,
      images: [
        { imageDigest: digest(5), imagePushedAt: '2026-08-20T00:00:00Z' },
        { imageDigest: digest(6), imageTags: ['7.4'], imagePushedAt: '2026-11-23T00:00:00Z' },
      ],
    },
  ],
};

describe('sweep --registry', () => {
  it('exits 0, prints the JSON report and writes the final registry to --registry-out', async () => {
    writeJson('registry.json', registry);
    const before = readFileSync(file('registry.json'), 'utf8');

    const result = await run('sweep', '--registry', file('registry.json'), '--now', NOW, '--json', '--registry-out', file('out.json'));

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      dryRun: false,
      referenceTime: NOW,
      status: 'SUCCEEDED',
      bytes: 'stored',
      report: {
        scanned: 4, cached: 3, applied: 1, owned: 1, userOwned: 1, excluded: 0, skipped: 0, imagesExpired: 2, bytesExpired: 0,
        policyImagesExpired: 0, policyBytesExpired: 0, policyImagesInUse: 0, repositoriesWithPolicyNotes: 0, failed: 0, failedRepositories: [],
        // Not throttled: the stage's concurrency throughout, no extra round.
        throttling: {
          throttledRepositories: 0, rounds: 0, maxConcurrency: 4, repositoriesAtOnce: 10, lowestMaxConcurrency: 4, lowestRepositoriesAtOnce: 10,
          pageRounds: 0, roundsLeft: 10,
        },
      },
      storage: {
        expired: '2 images (0 B)', policyExpires: '0 images (0 B)', together: '2 images (0 B)', usdPerMonth: 0,
        saving: expect.stringContaining('$0.10 per GB-month'),
      },
      // nginx and redis are the tool's, 2 images each, 1 each deleted; etcd keeps a person's policy and its 1 image.
      cache: {
        prefixes: [
          {
            prefix: 'docker-hub', repositories: 2, managed: 2, leftAlone: 0, excluded: 0, imagesBefore: 4, bytesBefore: 0,
            imagesDeleted: 2, bytesDeleted: 0, policyImagesExpired: 0, policyBytesExpired: 0, imagesAfter: 2, bytesAfter: 0,
          },
          {
            prefix: 'quay', repositories: 1, managed: 0, leftAlone: 1, excluded: 0, imagesBefore: 1, bytesBefore: 0,
            imagesDeleted: 0, bytesDeleted: 0, policyImagesExpired: 0, policyBytesExpired: 0, imagesAfter: 1, bytesAfter: 0,
          },
        ],
        total: {
          repositories: 3, managed: 2, leftAlone: 1, excluded: 0, imagesBefore: 5, bytesBefore: 0,
          imagesDeleted: 2, bytesDeleted: 0, policyImagesExpired: 0, policyBytesExpired: 0, imagesAfter: 3, bytesAfter: 0,
        },
      },
      warnings: [],
    });
    expect(JSON.parse(readFileSync(file('out.json'), 'utf8'))).toEqual({
      pullThroughCacheRules: registry.pullThroughCacheRules,
      repositories: [
        {
          repositoryName: 'docker-hub/library/nginx',
          lifecyclePolicyText: TOOL_POLICY,
          images: [{ imageDigest: digest(2), imageTags: ['1.27'], imagePushedAt: '2026-11-01T00:00:00Z', lastRecordedPullTime: '2026-11-27T00:00:00Z' }],
        },
        registry.repositories[1],
        registry.repositories[2],
        {
          repositoryName: 'docker-hub/library/redis',
          lifecyclePolicyText: TOOL_POLICY,
          images: [{ imageDigest: digest(6), imageTags: ['7.4'], imagePushedAt: '2026-11-23T00:00:00Z' }],
        },
      ],
    });
    // The input file is never written to.
    expect(readFileSync(file('registry.json'), 'utf8')).toBe(before);
  });

  it('with --dry-run writes a final registry equal to the input and says what would change', async () => {
    writeJson('registry.json', registry);

    const result = await run('sweep', '--registry', file('registry.json'), '--now', NOW, '--dry-run', '--registry-out', file('out.json'));

    expect(result.code).toBe(0);
    expect(JSON.parse(readFileSync(file('out.json'), 'utf8'))).toEqual(registry);
    expect(result.stdout).toMatch(/dry run/);
    expect(result.stdout).toMatch(/would get the lifecycle policy\s+1\n/);
    expect(result.stdout).toMatch(/images that would expire\s+2\n/);
  });

  it('exits 1 and names the repository that failed with its own error', async () => {
    const faulty = structuredClone(registry) as typeof registry & { repositories: Record<string, unknown>[] };
    faulty.repositories[0].faults = { PutLifecyclePolicy: 'AccessDeniedException' };
    writeJson('faulty.json', faulty);

    const human = await run('sweep', '--registry', file('faulty.json'), '--now', NOW);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('Failed repositories:\n  docker-hub/library/nginx: AccessDeniedException\n');

    const json = await run('sweep', '--registry', file('faulty.json'), '--now', NOW, '--json');
    expect(json.code).toBe(1);
    const summary = JSON.parse(json.stdout);
    expect(summary.status).toBe('FAILED');
    expect(summary.report.failedRepositories).toEqual([{ repositoryName: 'docker-hub/library/nginx', error: 'AccessDeniedException' }]);
    expect(summary.report.failed).toBe(1);
  });

  it('exits 1 and names the repository whose child execution fails whole, the others done', async () => {
    const faulty = structuredClone(registry) as typeof registry & { repositories: Record<string, unknown>[] };
    faulty.repositories[3].faults = { ChildExecution: 'States.Timeout' };
    writeJson('faulty.json', faulty);

    const human = await run('sweep', '--registry', file('faulty.json'), '--now', NOW, '--registry-out', file('after.json'));
    expect(human.code).toBe(1);
    const named = human.stdout.split('Failed repositories:\n')[1]?.trimEnd().split('\n');
    expect(named).toEqual(['  docker-hub/library/redis: States.Timeout']);
    const json = await run('sweep', '--registry', file('faulty.json'), '--now', NOW, '--json');
    expect(JSON.parse(json.stdout).report.failedRepositories).toEqual([{ repositoryName: 'docker-hub/library/redis', error: 'States.Timeout' }]);
    const after = JSON.parse(readFileSync(file('after.json'), 'utf8'));
    expect(after.repositories[0].lifecyclePolicyText).toBe(TOOL_POLICY);
    expect(after.repositories[3].images).toHaveLength(2);
  });
});

describe('a --now in the future', () => {
  it('is run on a registry file, and said in the text and --json reports', async () => {
    writeJson('registry.json', registry);
    const human = await run('sweep', '--registry', file('registry.json'), '--now', '9999-12-31T00:00:00Z', '--dry-run');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/\nWarnings:\n  --now 9999-12-31T00:00:00Z: is in the future \(the clock says /);
    const json = await run('sweep', '--registry', file('registry.json'), '--now', '9999-12-31T00:00:00Z', '--json');
    expect(JSON.parse(json.stdout).warnings).toEqual([expect.stringContaining('--now 9999-12-31T00:00:00Z: is in the future')]);
  });

  it('is not said of a --now in the past', async () => {
    writeJson('registry.json', registry);
    const json = await run('sweep', '--registry', file('registry.json'), '--now', NOW, '--json');
    expect(JSON.parse(json.stdout).warnings).toEqual([]);
  });
});

describe('progress', () => {
  it('follows the sweep on a terminal and clears its line at the end', async () => {
    writeJson('registry.json', registry);
    const out = new Collect();
    const err = Object.assign(new Collect(), { isTTY: true });
    const code = await main(['node', 'ecr-lifecycle', 'sweep', '--registry', file('registry.json'), '--now', NOW], { out, err } as unknown as Parameters<typeof main>[1]);
    expect(code).toBe(0);
    expect(err.text).toMatch(/^\r4 repositories listed, 0 of 3 cached ones done, 0 failed/);
    expect(err.text.endsWith('\r\x1b[K')).toBe(true);
  });

  it('stays silent when stderr is not a terminal', async () => {
    writeJson('registry.json', registry);
    const result = await run('sweep', '--registry', file('registry.json'), '--now', NOW);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
  });
});

describe('sweep --aws', () => {
  // --aws takes everything from the environment, endpoints included; an embedded endpoint stands in for the account.
  it('names the account and region first, then sweeps what the environment points at', async () => {
    const endpoint = await startEcrEndpoint(parseRegistry(registry));
    try {
      const result = await withEnvironment(
        { AWS_ENDPOINT_URL_ECR: endpoint.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' },
        () => run('sweep', '--aws', '--dry-run', '--now', NOW, '--json'),
      );
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/^Sweeping ECR of account 123456789012 in us-east-1 \(dry run\)\necr-lifecycle: manifests not read: /);
      expect(JSON.parse(result.stdout).report).toMatchObject({ scanned: 4, cached: 3, applied: 1, owned: 1, userOwned: 1, imagesExpired: 2 });
      expect(endpoint.calls.DescribeRegistry).toBe(1);
      expect(endpoint.calls.PutLifecyclePolicy + endpoint.calls.BatchDeleteImage).toBe(0);
    } finally {
      await endpoint.close();
    }
  });

  describe('reading manifests, which records a pull unless the caller is excluded from pull time updates', () => {
    const ROLE = 'arn:aws:iam::123456789012:role/cache-admin';
    const cache = (exclusions: string[]) => parseRegistry({ ...registry, repositories: [multiPlatformRepository()], pullTimeUpdateExclusions: exclusions });
    const pullTimes = (r: ReturnType<typeof parseRegistry>) => r.repositories.flatMap((repo) => (repo.images ?? []).map((i) => [i.imageDigest, i.lastRecordedPullTime]));

    async function sweepAs(callerArn: string, exclusions: string[]) {
      const before = cache(exclusions);
      const endpoint = await startEcrEndpoint(before);
      const sts = await startStsEndpoint(callerArn);
      try {
        const result = await withEnvironment(
          {
            AWS_ENDPOINT_URL_ECR: endpoint.url,
            AWS_ENDPOINT_URL_STS: sts.url,
            AWS_REGION: 'us-east-1',
            // The embedded ECR knows a caller by the access key it signs with.
            AWS_ACCESS_KEY_ID: accessKeyIdFor(ROLE),
            AWS_SECRET_ACCESS_KEY: 'x',
          },
          () => run('sweep', '--aws', '--dry-run', '--now', NOW, '--json'),
        );
        return { result, reads: endpoint.calls.BatchGetImage, pullTimesKept: JSON.stringify(pullTimes(endpoint.registry())) === JSON.stringify(pullTimes(before)) };
      } finally {
        await sts.close();
        await endpoint.close();
      }
    }

    it('reads them when ECR excludes the role the caller assumed, and changes no pull time', async () => {
      const { result, reads, pullTimesKept } = await sweepAs('arn:aws:sts::123456789012:assumed-role/cache-admin/alice', [ROLE]);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('Sweeping ECR of account 123456789012 in us-east-1 (dry run)\n');
      expect(JSON.parse(result.stdout).bytes).toBe('stored');
      expect(reads).toBeGreaterThan(0);
      expect(pullTimesKept).toBe(true);
    });

    it('reads none when the caller is not excluded, says so with the command that excludes it, and changes no pull time', async () => {
      const { result, reads, pullTimesKept } = await sweepAs('arn:aws:sts::123456789012:assumed-role/cache-admin/alice', []);
      expect(result.code).toBe(0);
      expect(result.stderr).toContain(
        'ecr-lifecycle: manifests not read: arn:aws:iam::123456789012:role/cache-admin is not excluded from pull time updates; ' +
          'to read manifests, register it first: aws ecr register-pull-time-update-exclusion --principal-arn arn:aws:iam::123456789012:role/cache-admin.',
      );
      expect(JSON.parse(result.stdout).bytes).toBe('upper bound');
      expect(reads).toBe(0);
      expect(pullTimesKept).toBe(true);
    });
  });

  it('refuses a --now in the future for a real sweep, before any call', async () => {
    const endpoint = await startEcrEndpoint(parseRegistry(registry));
    try {
      const result = await withEnvironment(
        { AWS_ENDPOINT_URL_ECR: endpoint.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' },
        () => run('sweep', '--aws', '--yes', '--now', '9999-12-31T00:00:00Z'),
      );
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^ecr-lifecycle: --now 9999-12-31T00:00:00Z: is in the future \(the clock says [^)]+\); pull age would be judged as of a time that has not come: a real sweep of an AWS account refuses it\n$/);
      expect(Object.values(endpoint.calls).reduce((a, b) => a + b, 0)).toBe(0);
    } finally {
      await endpoint.close();
    }
  });

  it('warns of a --now in the future in a dry run of an account', async () => {
    const endpoint = await startEcrEndpoint(parseRegistry(registry));
    try {
      const result = await withEnvironment(
        { AWS_ENDPOINT_URL_ECR: endpoint.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' },
        () => run('sweep', '--aws', '--dry-run', '--now', '9999-12-31T00:00:00Z', '--json'),
      );
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout).warnings).toEqual([expect.stringMatching(/^--now 9999-12-31T00:00:00Z: is in the future /)]);
      expect(endpoint.calls.PutLifecyclePolicy + endpoint.calls.BatchDeleteImage).toBe(0);
    } finally {
      await endpoint.close();
    }
  });

  it('refuses to start without a region, and calls nothing', async () => {
    const endpoint = await startEcrEndpoint(parseRegistry(registry));
    try {
      const result = await withEnvironment(
        { AWS_ENDPOINT_URL_ECR: endpoint.url, AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined },
        () => run('sweep', '--aws', '--dry-run'),
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^ecr-lifecycle: --aws needs a region/);
      expect(Object.values(endpoint.calls).reduce((a, b) => a + b, 0)).toBe(0);
    } finally {
      await endpoint.close();
    }
  });
});

describe('bad input', () => {
  /** Exit 2, nothing on stdout, exactly one line on stderr that matches `names`; no --registry-out written. */
  async function expectBadInput(args: string[], names: RegExp): Promise<void> {
    const result = await run(...args, '--registry-out', file('out.json'));
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.endsWith('\n')).toBe(true);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(names);
    expect(existsSync(file('out.json'))).toBe(false);
  }

  it('an unreadable registry file', async () => {
    await expectBadInput(['sweep', '--registry', file('missing.json')], /missing\.json.*cannot read/);
  });

  it('a registry file that is not JSON', async () => {
    writeFileSync(file('broken.json'), '{"pullThroughCacheRules": [');
    await expectBadInput(['sweep', '--registry', file('broken.json')], /broken\.json.*not valid JSON/);
  });

  it('an unknown field in the registry file', async () => {
    const withTypo = structuredClone(registry) as typeof registry & { repositories: Record<string, unknown>[] };
    withTypo.repositories[2].lifecyclePolicy = PERSONS_POLICY;
    writeJson('typo.json', withTypo);
    await expectBadInput(['sweep', '--registry', file('typo.json')], /repositories\[2\]\.lifecyclePolicy: unknown field/);
  });

  it('a --now that is not an ISO time with a zone', async () => {
    writeJson('registry.json', registry);
    await expectBadInput(['sweep', '--registry', file('registry.json'), '--now', '2026-11-28'], /^ecr-lifecycle: --now 2026-11-28: expected an ISO 8601 time with a zone/);
  });

  it('an unknown option', async () => {
    writeJson('registry.json', registry);
    await expectBadInput(['sweep', '--registry', file('registry.json'), '--frobnicate'], /^ecr-lifecycle: unknown option '--frobnicate'\n$/);
  });

  it('a misspelt option, on one line with the option meant', async () => {
    writeJson('registry.json', registry);
    await expectBadInput(['sweep', '--registry', file('registry.json'), '--dryrun'], /^ecr-lifecycle: unknown option '--dryrun' \(did you mean --dry-run\?\)\n$/);
  });

  it('a --param given twice, rather than the last one winning', async () => {
    writeJson('registry.json', registry);
    await expectBadInput(
      ['sweep', '--registry', file('registry.json'), '--param', 'keepImages=2', '--param', 'keepImages=3'],
      /^ecr-lifecycle: .*keepImages is given twice \(keepImages=2, then keepImages=3\); give it once\n$/,
    );
  });

  it.each([
    ['a stage too long for the stack packaging would make', 'this-stage-name-is-way-too-long', /^ecr-lifecycle: --stage: stage "this-stage-name-is-way-too-long" is too long: .*use a stage of at most \d+ characters\n$/],
    ['a stage the framework would not take', 'prod_eu', /^ecr-lifecycle: --stage: stage "prod_eu" must be letters, digits and "-"/],
  ])('%s, as packaging refuses it', async (_, stage, says) => {
    writeJson('registry.json', registry);
    await expectBadInput(['sweep', '--registry', file('registry.json'), '--stage', stage], says);
  });

  it('both --registry and --demo', async () => {
    writeJson('registry.json', registry);
    await expectBadInput(['sweep', '--registry', file('registry.json'), '--demo'], /exactly one of --registry FILE, --demo/);
  });

  it('--param keepImages=0', async () => {
    writeJson('registry.json', registry);
    await expectBadInput(['sweep', '--registry', file('registry.json'), '--param', 'keepImages=0'], /keep_?images/i);
  });

  it('a misspelt --param, naming the setting it is closest to', async () => {
    writeJson('registry.json', registry);
    await expectBadInput(['sweep', '--registry', file('registry.json'), '--param', 'unpulleddays=90'], /unknown setting unpulleddays \(did you mean unpulledDays\?\)/);
  });

  it('an unknown --param', async () => {
    writeJson('registry.json', registry);
    await expectBadInput(['sweep', '--registry', file('registry.json'), '--param', 'nosuchparam=1'], /unknown setting nosuchparam/);
  });

  it('a --param out of its range', async () => {
    writeJson('registry.json', registry);
    await expectBadInput(['sweep', '--registry', file('registry.json'), '--param', 'unpulledDays=99999999999'], /unpulledDays must be a whole number from 0 to/);
  });

  it.each([['policy'], ['rules']])('a misspelt --param for %s too', async (command) => {
    const result = await run(command, '--param', 'keepimages=2');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^ecr-lifecycle: unknown setting keepimages \(did you mean keepImages\?\)\n$/);
  });
});

describe('policy', () => {
  it('prints exactly the policy ECR accepts, keeping one image by default', async () => {
    const result = await run('policy');

    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${TOOL_POLICY}\n`);
    expect(validateLifecyclePolicyText(result.stdout.trimEnd())).toEqual([]);
    expect(JSON.parse(result.stdout).rules[0].selection.countNumber).toBe(1);
  });

  it('follows --param keepImages', async () => {
    const result = await run('policy', '--param', 'keepImages=3');

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).rules[0].selection.countNumber).toBe(3);
    expect(validateLifecyclePolicyText(result.stdout.trimEnd())).toEqual([]);
  });

  it('runs as the real executable: exit 0 and valid JSON', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, 'local/bin/ecr-lifecycle.js'), 'policy'], { cwd: ROOT });
    expect(JSON.parse(stdout)).toEqual(JSON.parse(TOOL_POLICY));
  });
});

describe('params', () => {
  it('lists every stage setting with what a valid value is and what it means', async () => {
    const result = await run('params');
    expect(result.code).toBe(0);
    for (const name of SETTING_NAMES) {
      expect(result.stdout).toContain(name);
      expect(result.stdout).toContain(SETTINGS[name].expected);
      expect(result.stdout).toContain(SETTINGS[name].meaning);
    }
  });
});

describe('--help', () => {
  it('exits 0 and lists the commands', async () => {
    const result = await run('--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/sweep/);
    expect(result.stdout).toMatch(/policy/);
  });

  it('exits 0 for a command too', async () => {
    const result = await run('sweep', '--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/--registry-out/);
  });
});

describe('sweep --demo', () => {
  const DEMO = path.join(ROOT, 'fixtures/demo-registry.json');
  const hash = () => createHash('sha256').update(readFileSync(DEMO)).digest('hex');

  it('sweeps the bundled demo registry without writing to it', async () => {
    const before = hash();
    const demo = JSON.parse(readFileSync(DEMO, 'utf8')) as {
      pullThroughCacheRules: { ecrRepositoryPrefix: string }[];
      repositories: {
        repositoryName: string;
        lifecyclePolicyText?: string;
        images?: { imageDigest: string; imagePushedAt: string; lastRecordedPullTime?: string; manifestDigests?: string[]; subjectManifestDigest?: string }[];
      }[];
    };
    // What the demo should give, worked out from the file alone: cached = under a prefix on the `/` boundary;
    // a policy is the tool's when its rules carry the tool's description; images last used before the cutoff go,
    // save a manifest an index that stays lists, and a referrer (ECR expires it after its subject).
    const prefixes = demo.pullThroughCacheRules.map((r) => `${r.ecrRepositoryPrefix}/`);
    const cached = demo.repositories.filter((r) => prefixes.some((p) => r.repositoryName.startsWith(p)));
    const persons = cached.filter((r) => r.lifecyclePolicyText !== undefined && !r.lifecyclePolicyText.includes('ecr-lifecycle-manager:'));
    const cutoff = Date.parse('2026-10-29T00:00:00Z');
    const unpulled = (i: { imagePushedAt: string; lastRecordedPullTime?: string }) => Date.parse(i.lastRecordedPullTime ?? i.imagePushedAt) < cutoff;
    const expired = cached
      .filter((r) => !persons.includes(r))
      .flatMap((r) => (r.images ?? []).filter((i) =>
        unpulled(i) &&
        i.subjectManifestDigest === undefined &&
        (r.images ?? []).filter((index) => index.manifestDigests?.includes(i.imageDigest)).every(unpulled),
      )).length;

    const result = await run('sweep', '--demo', '--now', NOW, '--json');

    expect(result.code).toBe(0);
    const { report } = JSON.parse(result.stdout);
    expect(report).toMatchObject({ scanned: demo.repositories.length, cached: cached.length, userOwned: persons.length, imagesExpired: expired, failed: 0 });
    expect(report.scanned).toBeGreaterThan(300);
    expect(report.userOwned).toBeGreaterThan(0);
    // The demo's earlier policies of the tool are replaced: more repositories get the policy than had none.
    expect(report.applied).toBeGreaterThan(cached.filter((r) => r.lifecyclePolicyText === undefined).length);
    expect(report.applied + report.owned + report.userOwned).toBe(cached.length);
    expect(hash()).toBe(before);
  });
});

describe('command-line hygiene', () => {
  /** Exit 2, nothing on stdout, one line on stderr matching `names`. */
  function expectOneLine(result: Run, names: RegExp): void {
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(names);
  }

  describe('refuses before anything runs', () => {
    beforeEach(() => writeJson('registry.json', registry));
    const sweepTo = (...args: string[]) => run('sweep', '--registry', file('registry.json'), '--now', NOW, ...args);

    it.each([
      ['--registry-out', 'a missing folder', () => file('missing/out.json'), /folder .* does not exist/],
      ['--registry-out', 'a folder', () => dir, /is a folder/],
      ['--plan', 'a missing folder', () => file('missing/plan.json'), /folder .* does not exist/],
      ['--plan', 'a folder', () => dir, /is a folder/],
    ])('%s in %s', async (option, _, target, problem) => {
      const other = option === '--plan' ? ['--registry-out', file('out.json')] : ['--plan', file('plan.json')];
      const result = await sweepTo(option, target(), ...other);
      expectOneLine(result, new RegExp(`^ecr-lifecycle: ${option} .*${problem.source}`));
      expect(existsSync(file('out.json')) || existsSync(file('plan.json'))).toBe(false);
    });

    // Root writes through permission bits; /sys refuses even root. Elsewhere a folder without write permission does.
    const root = process.getuid?.() === 0;
    (root && !existsSync('/sys/kernel') ? it.skip : it)('--plan where it has no permission to write', async () => {
      let folder = '/sys';
      if (!root) {
        folder = file('read-only');
        require('node:fs').mkdirSync(folder, { mode: 0o500 });
      }
      expectOneLine(await sweepTo('--plan', path.join(folder, 'plan.json')), /^ecr-lifecycle: --plan .*: no permission to write it/);
    });

    it('the registry file as --registry-out', async () => {
      const before = readFileSync(file('registry.json'), 'utf8');
      expectOneLine(await sweepTo('--registry-out', path.join(dir, '.', 'registry.json')), /^ecr-lifecycle: --registry-out .*: is the same file as --registry/);
      expect(readFileSync(file('registry.json'), 'utf8')).toBe(before);
    });

    it('a --now date that does not exist', async () => {
      const result = await run('sweep', '--registry', file('registry.json'), '--now', '2026-02-30T00:00:00Z', '--registry-out', file('out.json'));
      expectOneLine(result, /^ecr-lifecycle: --now 2026-02-30T00:00:00Z: February 2026 has no day 30$/m);
      expect(existsSync(file('out.json'))).toBe(false);
    });
  });

  it('serve refuses a port in use with one line', async () => {
    writeJson('registry.json', registry);
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as { port: number };
    try {
      expectOneLine(await run('serve', '--registry', file('registry.json'), '--port', String(port)), new RegExp(`^ecr-lifecycle: --port ${port}: port ${port} on 127.0.0.1 is already in use`));
    } finally {
      busy.close();
    }
  });

  it('--version prints the version of the package', async () => {
    const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const result = await run('--version');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${version}\n`);
  });

  it('--help says that --now does not go with --event', async () => {
    // Each option's entry: its first line, starting with the option, and the wrapped lines under it.
    const entries = (await run('sweep', '--help')).stdout.split(/\n(?= {2}-)/).map((entry) => entry.replace(/\s+/g, ' ').trim());
    const text = (option: string) => entries.find((entry) => entry.startsWith(`${option} `));
    expect(text('--now')).toMatch(/not with --event/);
    expect(text('--event')).toMatch(/no --now/);
  });

  describe('--event for a repository with nothing to do', () => {
    const event = (repositoryName: string) => {
      const shape = JSON.parse(readFileSync(path.join(ROOT, 'fixtures/events/create-repository-api-call.json'), 'utf8'));
      shape.detail.requestParameters.repositoryName = repositoryName;
      writeJson('event.json', shape);
      return file('event.json');
    };

    it.each([
      ['that does not exist', 'docker-hub/library/no-such-image', /^docker-hub\/library\/no-such-image: no such repository in the registry; nothing to do\n$/],
      ['outside every prefix', 'quayside/app', /^quayside\/app: not under any pull-through cache prefix the stage manages; nothing to do\n$/],
    ])('says so in one line and exits 0: a repository %s', async (_, repositoryName, line) => {
      writeJson('registry.json', registry);
      const result = await run('sweep', '--registry', file('registry.json'), '--event', event(repositoryName));
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(line);
    });
  });

  describe('sweep --aws', () => {
    const runAnswering = runCliAnswering;

    async function onAccount<T>(work: (calls: Record<string, number>) => Promise<T>, environment: Record<string, string | undefined> = {}): Promise<T> {
      const endpoint = await startEcrEndpoint(parseRegistry(registry));
      try {
        return await withEnvironment(
          { AWS_ENDPOINT_URL_ECR: endpoint.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', ...environment },
          () => work(endpoint.calls),
        );
      } finally {
        await endpoint.close();
      }
    }
    const mutations = (calls: Record<string, number>) => (calls.PutLifecyclePolicy ?? 0) + (calls.BatchDeleteImage ?? 0);

    it('without --dry-run and without a terminal needs --yes, and calls nothing', async () => {
      await onAccount(async (calls) => {
        expectOneLine(await runAnswering(undefined, ['sweep', '--aws', '--now', NOW]), /^ecr-lifecycle: .*needs --yes when stdin is not a terminal\n$/);
        expect(Object.values(calls).reduce((a, b) => a + b, 0)).toBe(0);
      });
    });

    it('asks on a terminal, and changes nothing unless the answer is yes', async () => {
      await onAccount(async (calls) => {
        const declined = await runAnswering('n\n', ['sweep', '--aws', '--now', NOW]);
        expect(declined.code).toBe(2);
        expect(declined.stderr).toMatch(/account 123456789012 \(us-east-1\)\? \[y\/N\] ecr-lifecycle: not confirmed: nothing changed\n$/);
        expect(mutations(calls)).toBe(0);

        const confirmed = await runAnswering('y\n', ['sweep', '--aws', '--now', NOW]);
        expect(confirmed.code).toBe(0);
        expect(mutations(calls)).toBeGreaterThan(0);
      });
    });

    it('--yes skips the question', async () => {
      await onAccount(async (calls) => {
        const result = await runAnswering(undefined, ['sweep', '--aws', '--now', NOW, '--yes']);
        expect(result.code).toBe(0);
        expect(result.stderr).not.toMatch(/\[y\/N\]/);
        expect(mutations(calls)).toBeGreaterThan(0);
      });
    });

    it('--region and --profile go to the SDK, which resolves the rest as the AWS CLI does', async () => {
      writeFileSync(file('config'), '[profile cache-admin]\nregion = eu-central-1\n');
      writeFileSync(file('credentials'), '[cache-admin]\naws_access_key_id = profile-key\naws_secret_access_key = profile-secret\n');
      const files = { AWS_CONFIG_FILE: file('config'), AWS_SHARED_CREDENTIALS_FILE: file('credentials'), AWS_REGION: undefined, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_PROFILE: undefined };
      await onAccount(async () => {
        const byProfile = await run('sweep', '--aws', '--dry-run', '--profile', 'cache-admin');
        expect(byProfile.stderr).toMatch(/^Sweeping ECR of account 123456789012 in eu-central-1 \(dry run\)\n/);
        expect(byProfile.code).toBe(0);
        const byRegion = await run('sweep', '--aws', '--dry-run', '--profile', 'cache-admin', '--region', 'ap-southeast-2');
        expect(byRegion.stderr).toMatch(/^Sweeping ECR of account 123456789012 in ap-southeast-2 \(dry run\)\n/);
      }, files);
    });

    it('--profile and --region go with --aws only', async () => {
      writeJson('registry.json', registry);
      expectOneLine(await run('sweep', '--registry', file('registry.json'), '--region', 'eu-west-1'), /^ecr-lifecycle: --profile and --region go with --aws\n$/);
    });
  });

  describe('the report', () => {
    const sized = structuredClone(registry) as typeof registry;
    // 1.5 GiB and 512 MiB in the two images the sweep expires (nginx 1.25 and redis's untagged one), and 1 GiB in an
    // nginx image pulled a week ago but pushed before 1.27: the tool's policy (keep the latest 1) then expires it.
    (sized.repositories[0].images[0] as Record<string, unknown>).imageSizeInBytes = 1.5 * 2 ** 30;
    (sized.repositories[3].images[0] as Record<string, unknown>).imageSizeInBytes = 512 * 2 ** 20;
    (sized.repositories[0].images as Record<string, unknown>[]).push({
      imageDigest: digest(7), imageTags: ['1.26'], imagePushedAt: '2026-10-01T00:00:00Z', lastRecordedPullTime: '2026-11-20T00:00:00Z', imageSizeInBytes: 2 ** 30,
    });

    it('says what the sweep deletes, what the policy then expires and how much of it is in use, and what both save', async () => {
      writeJson('sized.json', sized);
      const dry = await run('sweep', '--registry', file('sized.json'), '--now', NOW, '--dry-run', '--param', 'keepInUse=false');
      expect(dry.stdout).toContain(
        [
          '\nThe sweep would delete 2 images (2.0 GiB) that nobody pulled within unpulledDays.',
          "ECR's lifecycle evaluation of the tool's policies would then expire 1 image (1.0 GiB) within 24 hours; 1 of them pulled within " +
            'unpulledDays, which a cache then fetches from its upstream again at their next pull (keepInUse=true keeps every tagged image in use).',
          "Both together would free 3 images (3.0 GiB): about $0.30 a month at ECR's storage price of $0.10 per GB-month (us-east-1; GB read as 2^30 bytes).",
          'Sizes are stored bytes: the layers no image left in a repository uses (layers images share are counted once).\n',
        ].join('\n'),
      );
      const real = await run('sweep', '--registry', file('sized.json'), '--now', NOW, '--json', '--param', 'keepInUse=false');
      const summary = JSON.parse(real.stdout);
      expect(summary).toMatchObject({
        report: { bytesExpired: 2 * 2 ** 30, policyImagesExpired: 1, policyBytesExpired: 2 ** 30, policyImagesInUse: 1 },
        storage: { expired: '2 images (2.0 GiB)', policyExpires: '1 image (1.0 GiB)', together: '3 images (3.0 GiB)' },
        bytes: 'stored',
      });
      expect(summary.storage.usdPerMonth).toBeCloseTo(0.3, 10);
    });

    it('says where the figures rest on what ECR does not document, and the plan names the images', async () => {
      const busybox = multiPlatformRepository('docker-hub/library/busybox');
      // 1.25 in use, so the sweep keeps it: with a strict count of one tagged image the count then passes an index.
      busybox.images![4].lastRecordedPullTime = '2026-11-27T00:00:00Z';
      writeJson('multi.json', { pullThroughCacheRules: registry.pullThroughCacheRules, repositories: [busybox] });
      const result = await run('sweep', '--registry', file('multi.json'), '--now', NOW, '--dry-run', '--plan', file('plan.json'), '--param', 'keepInUse=false');
      expect(result.stdout).toContain('\nIn 1 repository ECR does not document how its evaluation treats some images');
      const plan = JSON.parse(readFileSync(file('plan.json'), 'utf8'));
      const [entry] = plan.repositories;
      expect(entry.policyNotes.map((note: { code: string }) => note.code)).toContain('INDEX_PARTS_COUNTED');
      expect(Object.keys(plan.policyNoteTexts)).toEqual(entry.policyNotes.map((note: { code: string }) => note.code));
      // A registry of single-platform images with distinct push times has nothing to say.
      writeJson('registry.json', registry);
      expect((await run('sweep', '--registry', file('registry.json'), '--now', NOW, '--dry-run')).stdout).not.toContain('does not document');
    });

    it('with keepInUse counts no image in use among those the policy expires', async () => {
      writeJson('sized.json', sized);
      const kept = await run('sweep', '--registry', file('sized.json'), '--now', NOW, '--dry-run', '--param', 'keepInUse=true');
      expect(kept.stdout).toContain(
        "ECR's lifecycle evaluation of the tool's policies would then expire 0 images (0 B) within 24 hours; none of them pulled within unpulledDays.",
      );
      expect(kept.stdout).toContain('Both together would free 2 images (2.0 GiB):');
    });

    it('--json stays one JSON document on stdout with --verbose: the log lines go to stderr', async () => {
      writeJson('sized.json', sized);
      const result = await run('sweep', '--registry', file('sized.json'), '--now', NOW, '--json', '--verbose');
      expect(JSON.parse(result.stdout).status).toBe('SUCCEEDED');
      const lines = result.stderr.trimEnd().split('\n').map((line) => JSON.parse(line));
      expect(lines.filter((line) => line.message === 'checked lifecycle policy').map((line) => line.function_name)).toEqual(
        Array(3).fill('checkLifecyclePolicy'),
      );
      expect(lines.some((line) => line._aws?.CloudWatchMetrics)).toBe(true);
    });

    it('--verbose prints ThrottledCalls after every invocation, 0 when ECR throttled nothing, with the dashboard\'s dimensions', async () => {
      writeJson('sized.json', sized);
      const result = await run('sweep', '--registry', file('sized.json'), '--now', NOW, '--verbose', '--stage', 'prod');
      const throttledCalls = result.stderr
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line))
        .filter((line) => line._aws?.CloudWatchMetrics?.[0].Metrics.some((m: { Name: string }) => m.Name === 'ThrottledCalls'));
      expect(throttledCalls.length).toBeGreaterThanOrEqual(3);
      for (const line of throttledCalls) {
        expect(line).toMatchObject({ ThrottledCalls: 0, service: 'ecr-lifecycle-manager', stage: 'prod' });
        expect(line._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service', 'stage']]);
      }
    });

    it('--plan lists every cached repository with its action and the images expired', async () => {
      writeJson('sized.json', sized);
      const result = await run('sweep', '--registry', file('sized.json'), '--now', NOW, '--dry-run', '--plan', file('plan.json'));
      expect(result.code).toBe(0);
      const plan = JSON.parse(readFileSync(file('plan.json'), 'utf8'));
      expect(plan).toMatchObject({ referenceTime: NOW, dryRun: true, manifestsRead: true, imagesExpiredCount: 2, bytesExpired: 2 * 2 ** 30 });
      expect(plan.repositories.map((r: { repositoryName: string; action: string }) => [r.repositoryName, r.action])).toEqual([
        ['docker-hub/library/nginx', 'put-policy'],
        ['docker-hub/library/redis', 'managed'],
        ['quay/coreos/etcd', 'left-alone'],
      ]);
      expect(plan.repositories[0].imagesExpired).toEqual([{ ...sized.repositories[0].images[0] }].map((i) => ({ ...i, imagePushedAt: '2026-01-01T00:00:00.000Z', lastRecordedPullTime: '2026-09-29T00:00:00.000Z' })));
    });
  });
});
