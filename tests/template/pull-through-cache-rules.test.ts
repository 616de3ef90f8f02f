// Pull-through cache rules from the stage's rules file: packaged once with the example rules in the scoped mode
// (the rules, a creation template per prefix carrying exactly the sweep's policy text, ECR permissions on
// repository/<prefix>/*, MANAGED_PREFIXES), and refused before anything is packaged when a rule is wrong.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lifecyclePolicyText } from '../../functions/lib/lifecycle-policy';
import * as rulesLib from '../../functions/lib/pull-through-cache-rules';
import { loadServerlessConfig } from '../../local/serverless-config';
import { ACCOUNT, PARTITION, REGION, Stack, roleStatements } from './cloudformation';
import { packageService, projectRoot, readTemplate, type PackageResult } from './serverless';

const EXAMPLE = 'config/pull-through-cache-rules.example.json';
const PREFIXES = ['docker-hub', 'ecr-public', 'quay', 'k8s', 'github'];
const repositoryArn = (pattern: string) => `arn:${PARTITION}:ecr:${REGION}:${ACCOUNT}:repository/${pattern}`;

const rulesModule = require(path.join(projectRoot, 'deploy', 'pull-through-cache-rules.js')) as {
  checkRules: (raw: Record<string, unknown>, lib: typeof rulesLib) => { rules: rulesLib.CheckedRule[]; scoped: boolean };
  buildResources: (rules: rulesLib.CheckedRule[], policyText: string) => Record<string, any>;
  repositoryArnsFor: (config: { rules: rulesLib.CheckedRule[]; scoped: boolean }) => unknown[];
  managedPrefixesFor: (config: { rules: rulesLib.CheckedRule[]; scoped: boolean }) => string;
};
const checkRules = (raw: Record<string, unknown>) => rulesModule.checkRules(raw, rulesLib);

const packageDirs: string[] = [];
function packageWith(params: Record<string, string>): PackageResult {
  const result = packageService(Object.entries(params).map(([k, v]) => `--param=${k}=${v}`));
  packageDirs.push(result.packageDir);
  return result;
}
let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ecr-lifecycle-rules-'));
});
afterAll(() => {
  for (const dir of [...packageDirs, tmp]) fs.rmSync(dir, { recursive: true, force: true });
});
function rulesFile(name: string, rules: unknown[]): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, JSON.stringify({ pullThroughCacheRules: rules }));
  return file;
}

describe('packaged with the example rules, managing only them', () => {
  let stack: Stack;
  beforeAll(() => {
    const result = packageWith({ pullThroughCacheRulesFile: EXAMPLE, manageOnlyConfiguredRules: 'true' });
    if (result.status !== 0) throw new Error(`serverless package failed (${result.status}):\n${result.output}`);
    stack = new Stack(readTemplate(result.packageDir));
  }, 240_000);

  test('has one AWS::ECR::PullThroughCacheRule per example rule, with upstream and credentials', () => {
    const rules = stack.ofType('AWS::ECR::PullThroughCacheRule').map(([, r]) => stack.resolve(r.Properties));
    expect(rules).toEqual([
      {
        EcrRepositoryPrefix: 'docker-hub',
        UpstreamRegistry: 'docker-hub',
        UpstreamRegistryUrl: 'registry-1.docker.io',
        CredentialArn: `arn:${PARTITION}:secretsmanager:${REGION}:${ACCOUNT}:secret:ecr-pullthroughcache/docker-hub`,
      },
      { EcrRepositoryPrefix: 'ecr-public', UpstreamRegistry: 'ecr-public', UpstreamRegistryUrl: 'public.ecr.aws' },
      { EcrRepositoryPrefix: 'quay', UpstreamRegistry: 'quay', UpstreamRegistryUrl: 'quay.io' },
      { EcrRepositoryPrefix: 'k8s', UpstreamRegistry: 'k8s', UpstreamRegistryUrl: 'registry.k8s.io' },
      {
        EcrRepositoryPrefix: 'github',
        UpstreamRegistry: 'github-container-registry',
        UpstreamRegistryUrl: 'ghcr.io',
        CredentialArn: `arn:${PARTITION}:secretsmanager:${REGION}:${ACCOUNT}:secret:ecr-pullthroughcache/github`,
      },
    ]);
  });

  test('gives each prefix a creation template for pull-through cache carrying exactly the policy text the sweep applies', () => {
    const templates = stack.ofType('AWS::ECR::RepositoryCreationTemplate');
    expect(templates.map(([, t]) => t.Properties?.Prefix)).toEqual(PREFIXES);
    for (const [, t] of templates) {
      expect(t.Properties?.AppliedFor).toEqual(['PULL_THROUGH_CACHE']);
      expect(t.Properties?.LifecyclePolicy).toBe(lifecyclePolicyText(1));
    }
  });

  test('creates each template before its rule, so the first cached repository already gets the policy', () => {
    for (const [, rule] of stack.ofType('AWS::ECR::PullThroughCacheRule')) {
      const [dependency] = rule.DependsOn as string[];
      expect(stack.resource(dependency).Properties?.Prefix).toBe(rule.Properties?.EcrRepositoryPrefix);
    }
  });

  test.each([
    ['CheckLifecyclePolicyRole', 'ecr:GetLifecyclePolicy'],
    ['PutLifecyclePolicyRole', 'ecr:PutLifecyclePolicy'],
    ['ExpireUnpulledImagesRole', 'ecr:DescribeImages'],
    ['ExpireUnpulledImagesRole', 'ecr:BatchDeleteImage'],
  ])('%s grants %s only on repository/<prefix>/* of the configured prefixes', (role, action) => {
    const resources = roleStatements(stack, role)
      .filter((s) => s.Action.includes(action))
      .flatMap((s) => s.Resource);
    expect(resources).toEqual(PREFIXES.map((p) => repositoryArn(`${p}/*`)));
  });

  test('still lists repositories registry-wide (DescribeRepositories pages through every repository)', () => {
    const resources = roleStatements(stack, 'ListCachedRepositoriesRole')
      .filter((s) => s.Action.includes('ecr:DescribeRepositories'))
      .flatMap((s) => s.Resource);
    expect(resources).toEqual([repositoryArn('*')]);
  });

  test('tells the functions the prefixes they manage', () => {
    for (const [, fn] of stack.ofType('AWS::Lambda::Function')) {
      expect(fn.Properties?.Environment?.Variables?.MANAGED_PREFIXES).toBe(PREFIXES.join(','));
    }
  });
});

describe('serverless package refuses, before anything is packaged', () => {
  test('gcr.io, saying ECR does not support it and what to use instead', () => {
    const file = rulesFile('gcr.json', [{ ecrRepositoryPrefix: 'gcr', upstreamRegistryUrl: 'gcr.io' }]);
    const result = packageWith({ pullThroughCacheRulesFile: file });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('pullThroughCacheRules[0] ("gcr"): ECR pull-through cache does not support gcr.io');
    expect(result.output).toContain('registry.k8s.io');
    expect(fs.existsSync(path.join(result.packageDir, 'cloudformation-template-update-stack.json'))).toBe(false);
  }, 120_000);

  test('Docker Hub without credentials, saying how to give them', () => {
    const file = rulesFile('docker-hub.json', [{ ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io' }]);
    const result = packageWith({ pullThroughCacheRulesFile: file });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('pullThroughCacheRules[0] ("docker-hub"): Docker Hub (registry-1.docker.io) needs credentials');
    expect(result.output).toContain('set credentialArn');
    expect(fs.existsSync(path.join(result.packageDir, 'cloudformation-template-update-stack.json'))).toBe(false);
  }, 120_000);
});

describe('the rules variable source', () => {
  test('with no rules file: no resources, repository/* and every prefix', () => {
    const config = checkRules({ pullThroughCacheRulesFile: '', manageOnlyConfiguredRules: false, manageRootPrefix: false });
    expect(rulesModule.buildResources(config.rules, lifecyclePolicyText(1))).toEqual({});
    expect(rulesModule.repositoryArnsFor(config)).toEqual([
      { 'Fn::Sub': 'arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/*' },
    ]);
    expect(rulesModule.managedPrefixesFor(config)).toBe('');
  });

  test('with rules but managing rules made elsewhere too: the rules, yet repository/* and every prefix', () => {
    const config = checkRules({ pullThroughCacheRulesFile: EXAMPLE, manageOnlyConfiguredRules: 'false', manageRootPrefix: 'false' });
    expect(Object.keys(rulesModule.buildResources(config.rules, lifecyclePolicyText(1)))).toHaveLength(2 * PREFIXES.length);
    expect(rulesModule.repositoryArnsFor(config)).toHaveLength(1);
    expect(rulesModule.managedPrefixesFor(config)).toBe('');
  });

  test('refuses manageOnlyConfiguredRules without rules: the sweep would manage nothing', () => {
    expect(() => checkRules({ pullThroughCacheRulesFile: '', manageOnlyConfiguredRules: true })).toThrow(
      'manageOnlyConfiguredRules is true but no rules are configured',
    );
  });

  test('names a rules file it cannot read', () => {
    expect(() => checkRules({ pullThroughCacheRulesFile: 'config/missing.json' })).toThrow(
      'pullThroughCacheRulesFile config/missing.json cannot be read (ENOENT)',
    );
  });

  test('keeps real credential ARNs as they are', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/docker-hub';
    const rules = rulesLib.checkPullThroughCacheRules([
      { ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io', credentialArn: arn },
    ]);
    expect(rulesModule.buildResources(rules, lifecyclePolicyText(1)).PullThroughCacheRuleDockerHub.Properties.CredentialArn).toBe(arn);
  });

  test('reaches the local runner: the functions get MANAGED_PREFIXES from the same file', async () => {
    const { functions } = await loadServerlessConfig({ pullThroughCacheRulesFile: EXAMPLE, manageOnlyConfiguredRules: 'true' });
    for (const fn of Object.values(functions)) expect(fn.environment.MANAGED_PREFIXES).toBe(PREFIXES.join(','));
  });

  test('judges each configuration on its own: a later one without rules in the same process manages every prefix', async () => {
    await loadServerlessConfig({ pullThroughCacheRulesFile: EXAMPLE, manageOnlyConfiguredRules: 'true' });
    const { functions } = await loadServerlessConfig({});
    for (const fn of Object.values(functions)) expect(fn.environment.MANAGED_PREFIXES).toBe('');
  });
});
