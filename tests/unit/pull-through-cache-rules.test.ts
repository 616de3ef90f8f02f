// The rules file's checks: each reason ECR or CloudFormation would refuse a rule is found before anything deploys,
// and each message names the entry and the fix.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  MAX_RULES,
  PullThroughCacheRulesError,
  checkPullThroughCacheRules,
  parseRulesFile,
  upstreamNeeds,
  upstreamRegistryOf,
  validatePullThroughCacheRules,
} from '../../functions/lib/pull-through-cache-rules';

const EXAMPLE = path.join(__dirname, '..', '..', 'config', 'pull-through-cache-rules.example.json');
const SECRET = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}`;

/** The one problem a configuration has. */
function problem(rules: unknown, options = {}): string {
  const problems = validatePullThroughCacheRules(rules, options);
  expect(problems).toHaveLength(1);
  return problems[0];
}

describe('the example file', () => {
  const rules = parseRulesFile(readFileSync(EXAMPLE, 'utf8'), 'example');

  it('passes, with every upstream of the seed table that ECR supports', () => {
    const checked = checkPullThroughCacheRules(rules);
    expect(checked.map((r) => [r.ecrRepositoryPrefix, r.upstreamRegistry])).toEqual([
      ['docker-hub', 'docker-hub'],
      ['ecr-public', 'ecr-public'],
      ['quay', 'quay'],
      ['k8s', 'k8s'],
      ['github', 'github-container-registry'],
    ]);
  });

  it('has no gcr.io rule, and credentials where the upstream needs them', () => {
    expect(JSON.stringify(rules)).not.toContain('gcr.io');
    const checked = checkPullThroughCacheRules(rules);
    expect(checked.filter((r) => r.credentialArn).map((r) => r.ecrRepositoryPrefix)).toEqual(['docker-hub', 'github']);
    expect(checked[0].credentialArn).toBe('arn:aws:secretsmanager:REGION:ACCOUNT:secret:ecr-pullthroughcache/docker-hub');
  });
});

describe('upstreams', () => {
  it.each([
    ['public.ecr.aws', 'ecr-public'],
    ['registry.k8s.io', 'k8s'],
    ['quay.io', 'quay'],
    ['registry-1.docker.io', 'docker-hub'],
    ['ghcr.io', 'github-container-registry'],
    ['registry.gitlab.com', 'gitlab-container-registry'],
    ['myteam.azurecr.io', 'azure-container-registry'],
    ['cgr.dev', 'chainguard'],
    ['123456789012.dkr.ecr.us-east-1.amazonaws.com', 'ecr'],
  ])('knows %s as %s', (url, registry) => {
    expect(upstreamRegistryOf(url)).toBe(registry);
  });

  it('refuses gcr.io, saying ECR does not support it and what to use instead', () => {
    const message = problem([{ ecrRepositoryPrefix: 'gcr', upstreamRegistryUrl: 'gcr.io' }]);
    expect(message).toMatch(/^pullThroughCacheRules\[0\] \("gcr"\): ECR pull-through cache does not support gcr\.io/);
    expect(message).toContain('registry.k8s.io');
    expect(message).toContain('Artifact Registry');
  });

  it.each(['k8s.gcr.io', 'us.gcr.io', 'europe-docker.pkg.dev'])('refuses the Google registry %s the same way', (url) => {
    expect(problem([{ ecrRepositoryPrefix: 'google', upstreamRegistryUrl: url }])).toContain('does not support');
  });

  it("points docker.io at Docker Hub's registry host", () => {
    expect(problem([{ ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'docker.io' }])).toContain(
      'set upstreamRegistryUrl to "registry-1.docker.io"',
    );
  });

  it('lists the supported upstreams for any other host', () => {
    const message = problem([{ ecrRepositoryPrefix: 'mine', upstreamRegistryUrl: 'registry.example.com' }]);
    expect(message).toContain('does not support "registry.example.com"');
    expect(message).toContain('public.ecr.aws, registry.k8s.io, quay.io, registry-1.docker.io, ghcr.io');
  });

  it('wants the host alone, without scheme or path', () => {
    expect(problem([{ ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'https://quay.io/' }])).toContain(
      'upstreamRegistryUrl must be the registry host alone, without scheme or path: "quay.io"',
    );
  });

  it('refuses an ECR-to-ECR rule, which needs an IAM role this stack does not create', () => {
    const message = problem([
      { ecrRepositoryPrefix: 'upstream', upstreamRegistryUrl: '123456789012.dkr.ecr.us-east-1.amazonaws.com' },
    ]);
    expect(message).toContain('needs an IAM role');
    expect(message).toContain('--custom-role-arn');
  });
});

describe('credentials', () => {
  it.each([
    ['registry-1.docker.io', 'Docker Hub'],
    ['ghcr.io', 'GitHub Container Registry'],
    ['registry.gitlab.com', 'GitLab Container Registry'],
    ['myteam.azurecr.io', 'Azure Container Registry'],
    ['cgr.dev', 'Chainguard'],
  ])('%s without credentialArn is refused, saying how to make the secret', (url, title) => {
    const message = problem([{ ecrRepositoryPrefix: 'cache', upstreamRegistryUrl: url }]);
    expect(message).toMatch(/^pullThroughCacheRules\[0\] \("cache"\): /);
    expect(message).toContain(`${title} (${url}) needs credentials`);
    expect(message).toContain('ecr-pullthroughcache/cache');
    expect(message).toContain('set credentialArn');
  });

  it('refuses a secret whose name does not start with ecr-pullthroughcache/', () => {
    const message = problem([
      { ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io', credentialArn: SECRET('dockerhub-token') },
    ]);
    expect(message).toContain('must start with "ecr-pullthroughcache/"');
    expect(message).toContain('create the secret as ecr-pullthroughcache/dockerhub-token');
  });

  it('refuses a credentialArn that is not a Secrets Manager ARN', () => {
    const message = problem([
      { ecrRepositoryPrefix: 'github', upstreamRegistryUrl: 'ghcr.io', credentialArn: 'ecr-pullthroughcache/github' },
    ]);
    expect(message).toContain('credentialArn must be a Secrets Manager secret ARN');
  });

  it('accepts a credentialArn of any partition ECR takes, and refuses one of no partition', () => {
    const rule = (credentialArn: string) => [{ ecrRepositoryPrefix: 'github', upstreamRegistryUrl: 'ghcr.io', credentialArn }];
    expect(() => checkPullThroughCacheRules(rule('arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:ecr-pullthroughcache/github'))).not.toThrow();
    expect(problem(rule('arn:gcp:secretsmanager:us-east-1:123456789012:secret:ecr-pullthroughcache/github'))).toContain('credentialArn must be a Secrets Manager secret ARN');
  });

  it('accepts a real ARN and one with REGION and ACCOUNT placeholders', () => {
    const rules = [
      { ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io', credentialArn: SECRET('ecr-pullthroughcache/docker-hub-AbCdEf') },
      { ecrRepositoryPrefix: 'github', upstreamRegistryUrl: 'ghcr.io', credentialArn: 'arn:aws:secretsmanager:REGION:ACCOUNT:secret:ecr-pullthroughcache/github' },
    ];
    expect(validatePullThroughCacheRules(rules)).toEqual([]);
  });
});

describe('prefixes', () => {
  const rule = (ecrRepositoryPrefix: unknown) => ({ ecrRepositoryPrefix, upstreamRegistryUrl: 'quay.io' });

  it.each(['q', 'Quay', 'a'.repeat(31), 'quay io', 'quay:io'])('refuses %j: 2..30 characters of [a-z0-9._/-]', (prefix) => {
    expect(problem([rule(prefix)])).toContain('ecrRepositoryPrefix must be 2..30 characters of lowercase letters, digits');
  });

  it('suggests a prefix ECR accepts', () => {
    expect(problem([rule('Quay')])).toContain('e.g. "quay"');
  });

  it.each(['-quay', 'quay..io', 'team//quay', 'quay-'])('refuses %j, which CloudFormation\'s pattern rejects', (prefix) => {
    expect(problem([rule(prefix)])).toContain('each part between "/" must start and end with a letter or digit');
  });

  it('refuses a trailing /', () => {
    expect(problem([rule('team/quay/')])).toContain('write "team/quay"');
  });

  it.each(['team/quay', 'my_cache', 'a.b-c', 'a__b', 'x--y'])('accepts %j', (prefix) => {
    expect(validatePullThroughCacheRules([rule(prefix)])).toEqual([]);
  });

  it('refuses a missing prefix', () => {
    expect(problem([{ upstreamRegistryUrl: 'quay.io' }])).toContain('ecrRepositoryPrefix is missing');
  });

  it('refuses a prefix used twice, naming both entries', () => {
    const message = problem([rule('quay'), rule('k8s'), rule('quay')]);
    expect(message).toBe(
      'pullThroughCacheRules[2] ("quay"): prefix "quay" is already used by pullThroughCacheRules[0]; every rule needs its own prefix: rename or remove one of them',
    );
  });

  it('refuses ROOT unless manageRootPrefix is true', () => {
    const message = problem([rule('ROOT')]);
    expect(message).toContain('this tool does not manage ROOT unless the stage setting manageRootPrefix is true');
  });

  it('refuses ROOT with manageRootPrefix too, since only ECR-to-ECR rules have it', () => {
    expect(problem([rule('ROOT')], { manageRootPrefix: true })).toContain('ROOT exists only for ECR-to-ECR rules');
  });
});

describe('the list', () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => ({ ecrRepositoryPrefix: `quay-${i}`, upstreamRegistryUrl: 'quay.io' }));

  it(`accepts ${MAX_RULES} rules and refuses ${MAX_RULES + 1}`, () => {
    expect(validatePullThroughCacheRules(many(MAX_RULES))).toEqual([]);
    expect(problem(many(MAX_RULES + 1))).toContain(`at most ${MAX_RULES} pull-through cache rules: remove 1`);
  });

  it('accepts no rules', () => {
    expect(checkPullThroughCacheRules([])).toEqual([]);
  });

  it('refuses an entry that is not an object, and an unknown field', () => {
    expect(problem(['quay.io'])).toContain('pullThroughCacheRules[0]: expected an object');
    expect(problem([{ ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'quay.io', credentialsArn: 'x' }])).toContain(
      'unknown field "credentialsArn"',
    );
  });

  it('reports every problem at once, one line each', () => {
    let error: unknown;
    try {
      checkPullThroughCacheRules([
        { ecrRepositoryPrefix: 'gcr', upstreamRegistryUrl: 'gcr.io' },
        { ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io' },
      ]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PullThroughCacheRulesError);
    const { problems, message } = error as PullThroughCacheRulesError;
    expect(problems).toHaveLength(2);
    expect(message.split('\n')).toEqual(problems);
  });
});

describe('the file', () => {
  it('reads JSON and YAML, with a $comment', () => {
    expect(parseRulesFile('{"$comment": "x", "pullThroughCacheRules": []}')).toEqual([]);
    expect(parseRulesFile('pullThroughCacheRules:\n  - ecrRepositoryPrefix: quay\n    upstreamRegistryUrl: quay.io\n')).toEqual([
      { ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'quay.io' },
    ]);
  });

  it.each([
    ['{"rules": []}', 'expected {"pullThroughCacheRules"'],
    ['{"pullThroughCacheRules": [], "extra": 1}', 'unknown key "extra"'],
    ['{"pullThroughCacheRules": [', 'rules.json: not JSON ('],
    ['{"pullThroughCacheRules": [],}', 'rules.json: not JSON ('],
  ])('refuses %s', (text, message) => {
    expect(() => parseRulesFile(text, 'rules.json')).toThrow(message);
  });

  it('reads a .json file as JSON and any other as YAML, which takes a trailing comma', () => {
    expect(() => parseRulesFile('{"pullThroughCacheRules": [],}', 'rules.yml')).not.toThrow();
    expect(() => parseRulesFile('{"pullThroughCacheRules": [', 'rules.yml')).toThrow('rules.yml: not JSON or YAML');
  });
});

describe("what each upstream needs, as `ecr-lifecycle rules` prints it", () => {
  it.each([
    [{ ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'quay.io' }, 'Quay: no credentials needed'],
    [{ ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io' }, 'Docker Hub: needs credentials, a Secrets Manager secret named ecr-pullthroughcache/... (missing)'],
    [{ ecrRepositoryPrefix: 'gcr', upstreamRegistryUrl: 'gcr.io' }, 'not supported by ECR pull-through cache'],
  ])('%j: %s', (rule, needs) => {
    expect(upstreamNeeds(rule)).toBe(needs);
  });
});
