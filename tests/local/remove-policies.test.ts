// `ecr-lifecycle remove-policies`, the uninstall: it removes the tool's lifecycle policies, current and earlier ones,
// wherever they are, leaves every person's policy byte for byte, and its dry run changes nothing and names the same
// repositories the real run changes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { lifecyclePolicyText } from '../../functions/lib/lifecycle-policy';
import { policyRemoval } from '../../functions/lib/policy-removal';
import { DEMO_REGISTRY } from '../../local/command-input';
import { parseRegistry, type Registry } from '../../local/ecr/registry-file';
import { startEcrEndpoint } from '../../local/ecr/server';
import { digest } from './ecr-fixtures';
import { expectBadInput, runCli, runCliAnswering, withEnvironment } from './run-cli';

const NOW = '2026-11-28T00:00:00Z';
/** A person's policy as ECR might hold it, spaced as they wrote it: it must come back byte for byte. */
const PERSONS_POLICY = `{ "rules": [ { "rulePriority": 1, "description": "Keep 10 release images",
  "selection": { "tagStatus": "tagged", "tagPrefixList": ["v"], "countType": "imageCountMoreThan", "countNumber": 10 },
  "action": { "type": "expire" } } ] }`;
/** One rule is the tool's, one a person's: the policy is the person's. */
const MIXED_POLICY = JSON.stringify({
  rules: [
    { rulePriority: 1, description: 'release images: 30 days', selection: { tagStatus: 'tagged', tagPrefixList: ['release'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 }, action: { type: 'expire' } },
    { rulePriority: 2, description: 'ecr-lifecycle-manager: keep the latest 1 image', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } },
  ],
});

const image = (n: number) => ({ imageDigest: digest(n), imageTags: [`v${n}`], imagePushedAt: '2026-10-01T00:00:00Z' });

const registry: Registry = {
  pullThroughCacheRules: [
    { ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io' },
    { ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'quay.io' },
  ],
  repositories: [
    { repositoryName: 'docker-hub/library/nginx', lifecyclePolicyText: lifecyclePolicyText(1), images: [image(1), image(2)] },
    // Put by an earlier configuration (keepImages=3): still the tool's.
    { repositoryName: 'docker-hub/library/redis', lifecyclePolicyText: lifecyclePolicyText(3), images: [image(3)] },
    { repositoryName: 'docker-hub/library/mixed', lifecyclePolicyText: MIXED_POLICY },
    { repositoryName: 'docker-hub/library/empty', images: [image(4)] },
    { repositoryName: 'quay/coreos/etcd', lifecyclePolicyText: PERSONS_POLICY },
    // Deleted while the run goes on.
    { repositoryName: 'quay/coreos/gone', faults: { GetLifecyclePolicy: 'RepositoryNotFoundException' } },
    // Under no prefix today (its rule was deleted): the marker, not the prefix, says whose policy it is.
    { repositoryName: 'retired/library/alpine', lifecyclePolicyText: lifecyclePolicyText(1) },
    { repositoryName: 'team/app', lifecyclePolicyText: PERSONS_POLICY },
  ],
};
const TOOLS = ['docker-hub/library/nginx', 'docker-hub/library/redis', 'retired/library/alpine'];

let dir: string;
const file = (name: string) => path.join(dir, name);
const writeRegistry = (name: string, value: Registry) => writeFileSync(file(name), JSON.stringify(value, null, 2));
const readRegistry = (name: string) => JSON.parse(readFileSync(file(name), 'utf8')) as Registry;
const lines = (stdout: string) => stdout.split('\n').filter(Boolean);
const policies = (r: Registry) => Object.fromEntries(r.repositories.map((repo) => [repo.repositoryName, repo.lifecyclePolicyText]));

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'remove-policies-'));
  writeRegistry('registry.json', registry);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('remove-policies on a registry file', () => {
  it('dry run: lists the repositories with a tool policy, current or earlier, and changes nothing', async () => {
    const dry = await runCli('remove-policies', '--registry', file('registry.json'), '--dry-run', '--registry-out', file('dry.json'));
    expect(dry.code).toBe(0);
    expect(lines(dry.stdout)).toEqual(TOOLS);
    expect(dry.stderr).toBe(
      "Dry run: would remove the tool's lifecycle policy from 3 of 8 repositories; 3 keep a person's policy, 1 has none, 1 was deleted during the run; nothing changed.\n",
    );
    expect(readRegistry('dry.json')).toEqual(JSON.parse(JSON.stringify(registry)));
  });

  it("removes exactly what the dry run named, leaves every person's policy byte for byte, and every image", async () => {
    const dry = await runCli('remove-policies', '--registry', file('registry.json'), '--dry-run');
    const real = await runCli('remove-policies', '--registry', file('registry.json'), '--registry-out', file('out.json'));
    expect(real.code).toBe(0);
    expect(real.stdout).toBe(dry.stdout);
    expect(real.stderr).toMatch(/^Removed the tool's lifecycle policy from 3 of 8 repositories;/);

    const after = readRegistry('out.json');
    const before = policies(registry);
    for (const [repositoryName, text] of Object.entries(policies(after))) {
      if (TOOLS.includes(repositoryName)) expect({ repositoryName, text }).toEqual({ repositoryName, text: undefined });
      else expect({ repositoryName, text }).toEqual({ repositoryName, text: before[repositoryName] });
    }
    expect(after.repositories.map((r) => r.images)).toEqual(registry.repositories.map((r) => r.images));

    const again = await runCli('remove-policies', '--registry', file('out.json'), '--dry-run');
    expect(again.stdout).toBe('');
  });

  it('after a real sweep, leaves no tool policy and every person\'s policy as the sweep found it', async () => {
    const swept = await runCli('sweep', '--demo', '--now', NOW, '--registry-out', file('swept.json'));
    expect(swept.code).toBe(0);
    const sweptPolicies = policies(readRegistry('swept.json'));
    const toolRepositories = Object.keys(sweptPolicies).filter((name) => policyRemoval(sweptPolicies[name]) === 'remove');
    expect(toolRepositories.length).toBeGreaterThan(100);

    const dry = await runCli('remove-policies', '--registry', file('swept.json'), '--dry-run');
    const real = await runCli('remove-policies', '--registry', file('swept.json'), '--registry-out', file('removed.json'));
    expect(real.code).toBe(0);
    expect(lines(dry.stdout).sort()).toEqual([...toolRepositories].sort());
    expect(real.stdout).toBe(dry.stdout);

    const demoPolicies = policies(JSON.parse(readFileSync(DEMO_REGISTRY, 'utf8')) as Registry);
    const removed = policies(readRegistry('removed.json'));
    for (const [repositoryName, text] of Object.entries(removed)) {
      const expected = toolRepositories.includes(repositoryName) ? undefined : sweptPolicies[repositoryName];
      expect({ repositoryName, text }).toEqual({ repositoryName, text: expected });
      // A person's policy is also the one the demo registry started with.
      if (text !== undefined) expect({ repositoryName, text }).toEqual({ repositoryName, text: demoPolicies[repositoryName] });
    }
  });

  it('reads every page of a registry of more than one DescribeRepositories page', async () => {
    const many: Registry = {
      pullThroughCacheRules: [],
      repositories: Array.from({ length: 2101 }, (_, i) => ({
        repositoryName: `docker-hub/r${String(i).padStart(4, '0')}`,
        ...(i % 700 === 0 ? { lifecyclePolicyText: lifecyclePolicyText(1) } : {}),
      })),
    };
    writeRegistry('many.json', many);
    const dry = await runCli('remove-policies', '--registry', file('many.json'), '--dry-run');
    expect(lines(dry.stdout)).toEqual(['docker-hub/r0000', 'docker-hub/r0700', 'docker-hub/r1400', 'docker-hub/r2100']);
    expect(dry.stderr).toMatch(/ from 4 of 2101 repositories; 0 keep a person's policy, 2097 have none;/);
  });

  it('goes on past a repository it cannot change, names it, and exits 1', async () => {
    const faulty = structuredClone(registry);
    faulty.repositories[0].faults = { DeleteLifecyclePolicy: 'AccessDeniedException' };
    writeRegistry('faulty.json', faulty);
    const result = await runCli('remove-policies', '--registry', file('faulty.json'), '--registry-out', file('out.json'));
    expect(result.code).toBe(1);
    expect(lines(result.stdout)).toEqual(TOOLS.slice(1));
    expect(result.stderr).toMatch(/^docker-hub\/library\/nginx: AccessDeniedException: /);
    expect(result.stderr).toMatch(/from 2 of 8 repositories; .*, 1 failed\.\n$/);
    expect(policies(readRegistry('out.json'))['docker-hub/library/nginx']).toBe(lifecyclePolicyText(1));
  });
});

describe('remove-policies refuses before anything runs', () => {
  it.each<[string, string[], RegExp]>([
    ['no registry', ['--dry-run'], /needs exactly one of --registry FILE, --demo, --aws/],
    ['two registries', ['--demo', '--aws', '--dry-run'], /needs exactly one of --registry FILE, --demo, --aws/],
    ['a real run on a registry file without --registry-out', ['--registry', 'REGISTRY'], /needs --registry-out FILE .*or --dry-run/],
    ['--registry-out with --aws', ['--aws', '--dry-run', '--registry-out', 'OUT'], /--registry-out goes with an embedded registry, not --aws/],
    ['--region without --aws', ['--demo', '--dry-run', '--region', 'eu-west-1'], /--profile and --region go with --aws/],
    ['--registry-out onto the registry it reads', ['--registry', 'REGISTRY', '--registry-out', 'REGISTRY'], /is the same file as --registry/],
  ])('%s', async (_, args, says) => {
    const given = args.map((arg) => (arg === 'REGISTRY' ? file('registry.json') : arg === 'OUT' ? file('out.json') : arg));
    expectBadInput(await runCli('remove-policies', ...given), says);
    expect(readRegistry('registry.json')).toEqual(JSON.parse(JSON.stringify(registry)));
  });

  it('a fault no ECR operation can return, in the registry file', async () => {
    const typo = structuredClone(registry);
    typo.repositories[0].faults = { DeleteLifecyclePolicy: 'NoSuchError' };
    writeRegistry('typo.json', typo);
    expectBadInput(
      await runCli('remove-policies', '--registry', file('typo.json'), '--dry-run'),
      /^ecr-lifecycle: .*typo\.json: repositories\[0\]\.faults\.DeleteLifecyclePolicy: not an error DeleteLifecyclePolicy can return/,
    );
  });
});

describe('remove-policies --aws', () => {
  /** An "account": the embedded endpoint, reached through the environment as the SDK would reach AWS. */
  async function onAccount(work: (calls: Record<string, number>) => Promise<void>): Promise<void> {
    const endpoint = await startEcrEndpoint(parseRegistry(registry));
    try {
      await withEnvironment(
        { AWS_ENDPOINT_URL_ECR: endpoint.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_PROFILE: undefined },
        () => work(endpoint.calls),
      );
    } finally {
      await endpoint.close();
    }
  }

  it('without --dry-run and without a terminal needs --yes, and calls nothing', async () => {
    await onAccount(async (calls) => {
      expectBadInput(
        await runCliAnswering(undefined, ['remove-policies', '--aws']),
        /^ecr-lifecycle: remove-policies --aws without --dry-run needs --yes when stdin is not a terminal\n$/,
      );
      expect(Object.values(calls).reduce((a, b) => a + b, 0)).toBe(0);
    });
  });

  it('names the account, asks on a terminal, and changes nothing unless the answer is yes', async () => {
    await onAccount(async (calls) => {
      const declined = await runCliAnswering('n\n', ['remove-policies', '--aws']);
      expect(declined.code).toBe(2);
      expect(declined.stderr).toMatch(/^Removing the tool's lifecycle policies of account 123456789012 in us-east-1\n.*\(us-east-1\)\? \[y\/N\] ecr-lifecycle: not confirmed: nothing changed\n$/);
      expect(calls.DeleteLifecyclePolicy).toBe(0);
    });
  });

  it('dry run calls no DeleteLifecyclePolicy; --yes removes what it named', async () => {
    await onAccount(async (calls) => {
      const dry = await runCliAnswering(undefined, ['remove-policies', '--aws', '--dry-run']);
      expect(dry.code).toBe(0);
      expect(lines(dry.stdout)).toEqual(TOOLS);
      expect(calls.DeleteLifecyclePolicy).toBe(0);
      const real = await runCliAnswering(undefined, ['remove-policies', '--aws', '--yes']);
      expect(real.code).toBe(0);
      expect(real.stdout).toBe(dry.stdout);
      expect(calls.DeleteLifecyclePolicy).toBe(TOOLS.length);
    });
  });
});
