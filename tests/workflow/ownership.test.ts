// Whose a repository is decides what the sweep does in it: no policy gets the tool's; the tool's policy (however
// ECR formats it) is the tool's; anything else is a person's, and the sweep touches neither its policy nor its images.
import type { Registry } from '../../local/ecr/registry-file';
import { DOCKER_HUB, PERSONS_POLICY, TOOL_POLICY, digest, digestsOf, image, policyOf, repo, sweep } from './harness';

/** A person's keep-latest rule: the same shape as the tool's, other words and number, so not the tool's. */
const PERSONS_KEEP_FIVE = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      description: 'Keep 5 images, pinned by the platform team',
      selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 5 },
      action: { type: 'expire' },
    },
  ],
});

/** The tool's policy with keys in another order, indented, as another writer would have stored it. */
const TOOL_POLICY_REFORMATTED = `{
    "rules": [
        {
            "action": { "type": "expire" },
            "selection": {
                "countNumber": 1,
                "countType": "imageCountMoreThan",
                "tagPatternList": [ "*" ],
                "tagStatus": "tagged"
            },
            "description": "ecr-lifecycle-manager: keep the latest 1 tagged image",
            "rulePriority": 1
        }
    ]
}`;

describe("a person's lifecycle policy", () => {
  it('is left alone together with its images, even ones nobody pulled for years', async () => {
    const registry: Registry = {
      pullThroughCacheRules: [DOCKER_HUB],
      repositories: [
        repo('docker-hub/library/postgres', {
          lifecyclePolicyText: PERSONS_POLICY,
          images: [image(1, 2000, 1500, 'v11'), image(2, 900), image(3, 10, 1, 'v17')],
        }),
        repo('docker-hub/bitnami/redis', {
          lifecyclePolicyText: PERSONS_KEEP_FIVE,
          images: [image(4, 1000, 800, '6.0'), image(5, 400)],
        }),
        repo('docker-hub/library/nginx', { images: [image(6, 400, 300, '1.21'), image(7, 5, 1, '1.27')] }),
      ],
    };
    const result = await sweep(registry);

    expect(result.execution.status).toBe('SUCCEEDED');
    expect(policyOf(result, 'docker-hub/library/postgres')).toBe(PERSONS_POLICY);
    expect(digestsOf(result, 'docker-hub/library/postgres')).toEqual([digest(1), digest(2), digest(3)]);
    expect(policyOf(result, 'docker-hub/bitnami/redis')).toBe(PERSONS_KEEP_FIVE);
    expect(digestsOf(result, 'docker-hub/bitnami/redis')).toEqual([digest(4), digest(5)]);
    // The repository without a policy, in the same run, is managed: the sweep did run.
    expect(policyOf(result, 'docker-hub/library/nginx')).toBe(TOOL_POLICY);
    expect(digestsOf(result, 'docker-hub/library/nginx')).toEqual([digest(7)]);
    expect(result.execution.report).toMatchObject({ cached: 3, applied: 1, owned: 0, userOwned: 2, imagesExpired: 1, failed: 0 });
    // Every repository's images were read once, for what its cache holds; only nginx's were deleted from.
    expect(result.calls.DescribeImages).toBe(3);
    expect(result.calls.BatchDeleteImage).toBe(1);
    expect(result.calls.PutLifecyclePolicy).toBe(1);
  });
});

describe("the tool's own policy", () => {
  it('counts as the tool\'s when stored with other whitespace and key order: images expired, no policy put', async () => {
    const registry: Registry = {
      pullThroughCacheRules: [DOCKER_HUB],
      repositories: [
        repo('docker-hub/library/alpine', {
          lifecyclePolicyText: TOOL_POLICY_REFORMATTED,
          images: [image(1, 300, 60, '3.18'), image(2, 20, 2, '3.20')],
        }),
        repo('docker-hub/library/busybox', {
          lifecyclePolicyText: TOOL_POLICY,
          images: [image(3, 300, 45, '1.36'), image(4, 300)],
        }),
      ],
    };
    const result = await sweep(registry);

    expect(result.execution.status).toBe('SUCCEEDED');
    expect(policyOf(result, 'docker-hub/library/alpine')).toBe(TOOL_POLICY_REFORMATTED);
    expect(digestsOf(result, 'docker-hub/library/alpine')).toEqual([digest(2)]);
    expect(policyOf(result, 'docker-hub/library/busybox')).toBe(TOOL_POLICY);
    expect(digestsOf(result, 'docker-hub/library/busybox')).toEqual([]);
    expect(result.execution.report).toMatchObject({ cached: 2, applied: 0, owned: 2, userOwned: 0, imagesExpired: 3, failed: 0 });
    expect(result.calls.PutLifecyclePolicy).toBe(0);
  });
});

describe('the keepImages stage param', () => {
  it('puts a policy that keeps 2 images, replaces the tool\'s earlier keep-1 policy and still leaves a person\'s alone', async () => {
    const registry: Registry = {
      pullThroughCacheRules: [DOCKER_HUB],
      repositories: [
        repo('docker-hub/library/nginx', { images: [image(1, 5, 1, '1.27')] }),
        repo('docker-hub/library/redis', { lifecyclePolicyText: TOOL_POLICY, images: [image(2, 5, 1, '7.4')] }),
        repo('docker-hub/library/postgres', { lifecyclePolicyText: PERSONS_POLICY }),
      ],
    };
    const result = await sweep(registry, { params: { keepImages: '2' } });

    const keepTwo =
      '{"rules":[{"rulePriority":1,"description":"ecr-lifecycle-manager: keep the latest 2 tagged images","selection":{"tagStatus":"tagged","tagPatternList":["*"],"countType":"imageCountMoreThan","countNumber":2},"action":{"type":"expire"}}]}';
    expect(result.execution.status).toBe('SUCCEEDED');
    expect(policyOf(result, 'docker-hub/library/nginx')).toBe(keepTwo);
    expect(policyOf(result, 'docker-hub/library/redis')).toBe(keepTwo);
    expect(JSON.parse(policyOf(result, 'docker-hub/library/nginx')!).rules[0].selection.countNumber).toBe(2);
    expect(policyOf(result, 'docker-hub/library/postgres')).toBe(PERSONS_POLICY);
    expect(result.execution.report).toMatchObject({ cached: 3, applied: 2, owned: 0, userOwned: 1, imagesExpired: 0 });
    expect(result.calls.PutLifecyclePolicy).toBe(2);
  });
});
