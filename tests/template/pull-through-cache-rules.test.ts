// Pull-through cache rules from the stage's rules file: packaged once with the example rules in the scoped mode
// (the rules, a creation template per prefix carrying exactly the sweep's policy text, ECR permissions on
// repository/<prefix>/*, the managed prefixes in the run settings), and refused before anything is packaged when a
// rule is wrong. derived.test.ts covers the rest without packaging.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lifecyclePolicyText } from '../../functions/lib/lifecycle-policy';
import { readRunSettings } from '../../functions/lib/run-settings';
import { ACCOUNT, PARTITION, REGION, Stack, roleStatements } from './cloudformation';
import { packageService, readTemplate, type PackageResult } from './serverless';

const EXAMPLE = 'config/pull-through-cache-rules.example.json';
const SETTINGS_EXAMPLE = 'config/settings.example.yml';
const PREFIXES = ['docker-hub', 'ecr-public', 'quay', 'k8s', 'github'];
/** A custom resource (functions/steps/pull-through-cache-rule.ts), which adopts a rule that exists already. */
const RULE_TYPE = 'Custom::PullThroughCacheRule';
const repositoryArn = (pattern: string) => `arn:${PARTITION}:ecr:${REGION}:${ACCOUNT}:repository/${pattern}`;

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

describe('packaged with the example rules and settings file, managing only those rules', () => {
  let stack: Stack;
  beforeAll(() => {
    const result = packageWith({ pullThroughCacheRulesFile: EXAMPLE, manageOnlyConfiguredRules: 'true', settingsFile: SETTINGS_EXAMPLE });
    if (result.status !== 0) throw new Error(`serverless package failed (${result.status}):\n${result.output}`);
    stack = new Stack(readTemplate(result.packageDir));
  }, 240_000);

  test('has one Custom::PullThroughCacheRule per example rule, with upstream and credentials, made by its function', () => {
    const rules = stack.ofType(RULE_TYPE).map(([, r]) => stack.resolve(r.Properties));
    const function_ = stack.ofType('AWS::Lambda::Function').find(([, fn]) => String(fn.Properties?.Handler).startsWith('functions/pull-through-cache-rule.'));
    const ServiceToken = stack.arn(function_![0]);
    expect(rules).toEqual([
      {
        ServiceToken,
        EcrRepositoryPrefix: 'docker-hub',
        UpstreamRegistryUrl: 'registry-1.docker.io',
        CredentialArn: `arn:${PARTITION}:secretsmanager:${REGION}:${ACCOUNT}:secret:ecr-pullthroughcache/docker-hub`,
      },
      { ServiceToken, EcrRepositoryPrefix: 'ecr-public', UpstreamRegistryUrl: 'public.ecr.aws' },
      { ServiceToken, EcrRepositoryPrefix: 'quay', UpstreamRegistryUrl: 'quay.io' },
      { ServiceToken, EcrRepositoryPrefix: 'k8s', UpstreamRegistryUrl: 'registry.k8s.io' },
      {
        ServiceToken,
        EcrRepositoryPrefix: 'github',
        UpstreamRegistryUrl: 'ghcr.io',
        CredentialArn: `arn:${PARTITION}:secretsmanager:${REGION}:${ACCOUNT}:secret:ecr-pullthroughcache/github`,
      },
    ]);
  });

  test("gives each prefix a creation template for pull-through cache carrying exactly its own prefix's policy text", () => {
    const templates = stack.ofType('AWS::ECR::RepositoryCreationTemplate');
    expect(templates.map(([, t]) => t.Properties?.Prefix)).toEqual(PREFIXES);
    // config/settings.example.yml: docker-hub keeps 3, github 2, the others the stage's 1.
    const keepImages: Record<string, number> = { 'docker-hub': 3, 'ecr-public': 1, quay: 1, k8s: 1, github: 2 };
    for (const [, t] of templates) {
      expect(t.Properties?.AppliedFor).toEqual(['PULL_THROUGH_CACHE']);
      expect(t.Properties?.LifecyclePolicy).toBe(lifecyclePolicyText(keepImages[t.Properties?.Prefix]));
    }
  });

  test('keeps the rules when the stack is removed or a rule replaced, and removes the creation templates with it', () => {
    for (const [, rule] of stack.ofType(RULE_TYPE)) {
      expect([rule.DeletionPolicy, rule.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
    }
    for (const [, template] of stack.ofType('AWS::ECR::RepositoryCreationTemplate')) {
      expect([template.DeletionPolicy, template.UpdateReplacePolicy]).toEqual([undefined, undefined]);
    }
  });

  test('leaves nothing else of its own behind when the stack is removed: the rules are all it retains', () => {
    const kept = Object.entries(stack.resources)
      .filter(([, resource]) => [resource.DeletionPolicy, resource.UpdateReplacePolicy].some((policy) => policy !== undefined && policy !== 'Delete'))
      .map(([, resource]) => resource.Type);
    expect(kept).toEqual(PREFIXES.map(() => RULE_TYPE));
  });

  test('creates each template before its rule, so the first cached repository already gets the policy', () => {
    for (const [, rule] of stack.ofType(RULE_TYPE)) {
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

  test('tells the functions the prefixes they manage and the settings file', () => {
    for (const [, fn] of stack.ofType('AWS::Lambda::Function')) {
      const run = readRunSettings(fn.Properties?.Environment?.Variables);
      expect(run.managedPrefixes).toEqual(PREFIXES);
      expect(run.repositorySettings.prefixes['docker-hub']).toEqual({ keepImages: 3, unpulledDays: 14 });
      expect(run.repositorySettings.exclude).toEqual(['docker-hub/library/postgres', 'quay/acme/*']);
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
