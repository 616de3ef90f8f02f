import {
  evaluateLifecyclePolicy,
  tagMatchesPattern,
  type LifecycleImage,
} from '../../functions/lib/lifecycle-evaluation';
import type { LifecyclePolicy, LifecyclePolicyRule } from '../../functions/lib/lifecycle-policy';

const NOW = new Date('2026-11-28T00:00:00.000Z');
const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY);
const digest = (name: string) => `sha256:${name.padEnd(64, '0')}`;
const image = (name: string, pushedDaysAgo: number, tags: string[] = [], extra: Partial<LifecycleImage> = {}): LifecycleImage => ({
  imageDigest: digest(name),
  ...(tags.length > 0 ? { imageTags: tags } : {}),
  imagePushedAt: daysAgo(pushedDaysAgo),
  ...extra,
});

type Selection = LifecyclePolicyRule['selection'];
const rule = (rulePriority: number, selection: Partial<Selection>, action: LifecyclePolicyRule['action'] = { type: 'expire' }): LifecyclePolicyRule => ({
  rulePriority,
  selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1, ...selection } as Selection,
  action,
});
const policy = (...rules: LifecyclePolicyRule[]): LifecyclePolicy => ({ rules });
/** A count rule over every image, tagged or not: how a person's keep-N policy (and earlier versions of the tool's) ranks. */
const keepLatest = (countNumber: number) => policy(rule(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber }));

/** Expired image names (the digest's leading letters) with the rule that expired each. */
function expired(p: LifecyclePolicy, images: LifecycleImage[]) {
  return evaluateLifecyclePolicy(p, images, NOW)
    .results.filter((r) => r.action.type === 'EXPIRE')
    .map((r) => [r.image.imageDigest.slice(7).replace(/0+$/, ''), r.appliedRulePriority]);
}

describe('tag patterns', () => {
  it.each([
    ['prod*', 'prod', true],
    ['prod*', 'production-team1', true],
    ['*prod*', 'repo-production', true],
    ['prod*', 'preprod', false],
    ['prod', 'prod1', false],
    ['1.2.3', '1x2x3', false],
    ['*test*1*2*3', 'a-test-1-2-3', true],
  ])('%s against %s: %s', (pattern, tag, matches) => {
    expect(tagMatchesPattern(tag, pattern)).toBe(matches);
  });
});

// The User Guide's worked examples ("Examples of lifecycle policies in Amazon ECR"), with the results it states.
describe("the User Guide's examples", () => {
  const a = image('a', 10, ['beta-1', 'prod-1']);
  const b = image('b', 9, ['beta-2', 'prod-2']);
  const c = image('c', 8, ['beta-3']);

  it('multiple rules, example A: a lower rule cannot expire an image a higher rule selected', () => {
    const p = policy(
      rule(1, { tagStatus: 'tagged', tagPatternList: ['prod*'] }),
      rule(2, { tagStatus: 'tagged', tagPatternList: ['beta*'] }),
    );
    expect(expired(p, [a, b, c])).toEqual([['a', 1]]);
  });

  it('multiple rules, example B: the higher rule sees all three and expires A and B', () => {
    const p = policy(
      rule(1, { tagStatus: 'tagged', tagPrefixList: ['beta'] }),
      rule(2, { tagStatus: 'tagged', tagPrefixList: ['prod'] }),
    );
    expect(expired(p, [a, b, c])).toEqual([['a', 1], ['b', 1]]);
  });

  it('multiple patterns in one rule must all match one of the tags', () => {
    const images = [
      image('a', 12, ['alpha-1']),
      image('b', 11, ['beta-1']),
      image('c', 10, ['alpha-2', 'beta-2']),
      image('d', 4, ['alpha-3']),
      image('e', 3, ['beta-3']),
      image('f', 2, ['alpha-4', 'beta-4']),
    ];
    const p = policy(rule(1, { tagStatus: 'tagged', tagPatternList: ['alpha*', 'beta*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 5 }));
    expect(expired(p, images)).toEqual([['c', 1]]);
  });

  it('all images, example A: tagStatus any keeps only the newest', () => {
    const images = [image('a', 4, ['alpha-1']), image('b', 3, ['beta-1']), image('c', 2), image('d', 1, ['alpha-2'])];
    expect(expired(policy(rule(1, {})), images)).toEqual([['a', 1], ['b', 1], ['c', 1]]);
  });

  it('all images, example B: the any rule expires only what no higher rule selected', () => {
    const images = [
      image('a', 4, ['alpha-1', 'beta-1']),
      image('b', 3),
      image('c', 2, ['alpha-2']),
      image('d', 1.01, ['git-hash']),
      image('e', 1),
    ];
    const p = policy(
      rule(1, { tagStatus: 'tagged', tagPatternList: ['alpha*'] }),
      rule(2, { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 }),
      rule(3, {}),
    );
    expect(expired(p, images)).toEqual([['a', 1], ['b', 2], ['d', 3]]);
  });
});

describe('count and age rules', () => {
  it("the tool's own policy keeps the N youngest pushes, whatever their pulls", () => {
    const images = [
      image('old', 30, ['1.0'], { lastRecordedPullTime: daysAgo(0.5) }),
      image('mid', 20, ['1.1']),
      image('new', 10, ['1.2']),
    ];
    expect(expired(keepLatest(2), images)).toEqual([['old', 1]]);
    expect(expired(keepLatest(3), images)).toEqual([]);
  });

  it('sinceImagePushed expires only images pushed strictly more than N days before now', () => {
    const p = policy(rule(1, { countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 }));
    const exactly = { ...image('exact', 0), imagePushedAt: daysAgo(7) };
    const justOver = { ...image('over', 0), imagePushedAt: new Date(daysAgo(7).getTime() - 1) };
    expect(expired(p, [exactly, justOver])).toEqual([['over', 1]]);
  });

  it('tagPrefixList selects tagged images whose tags start with every prefix', () => {
    const p = policy(rule(1, { tagStatus: 'tagged', tagPrefixList: ['v1', 'release'], countNumber: 1 }));
    const images = [image('a', 3, ['v1.0', 'release-a']), image('b', 2, ['v1.1']), image('c', 1, ['v1.2', 'release-c'])];
    expect(expired(p, images)).toEqual([['a', 1]]);
  });

  it('untagged rules see only untagged images', () => {
    const p = policy(rule(1, { tagStatus: 'untagged', countNumber: 1 }));
    expect(expired(p, [image('a', 3), image('b', 2, ['x']), image('c', 1)])).toEqual([['a', 1]]);
  });

  it('reports images pushed at one instant on both sides of a count, ordered by digest', () => {
    const evaluation = evaluateLifecyclePolicy(keepLatest(1), [image('b', 1), image('a', 1), image('c', 5)], NOW);
    expect(evaluation.results.map((r) => r.image.imageDigest)).toEqual([digest('b'), digest('c')]);
    expect(evaluation.notes).toEqual([{ code: 'PUSH_TIME_TIE', imageDigests: [digest('a'), digest('b')] }]);
  });
});

describe('archive', () => {
  it('a transition rule archives, and its images are no lower rule’s to expire', () => {
    const p = policy(
      rule(1, { countType: 'sinceImagePulled', countUnit: 'days', countNumber: 90 }, { type: 'transition', targetStorageClass: 'archive' }),
      rule(2, { storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 365 }),
    );
    const images = [
      image('pulled', 400, ['a'], { lastRecordedPullTime: daysAgo(10) }),
      image('stale', 400, ['b'], { lastRecordedPullTime: daysAgo(100) }),
      image('restored', 400, ['c'], { lastRecordedPullTime: daysAgo(200), lastActivatedAt: daysAgo(20) }),
      image('archived', 800, ['d'], { imageStatus: 'ARCHIVED', lastArchivedAt: daysAgo(400) }),
      image('recent', 800, ['e'], { imageStatus: 'ARCHIVED', lastArchivedAt: daysAgo(100) }),
    ];
    const evaluation = evaluateLifecyclePolicy(p, images, NOW);
    expect(evaluation.results.map((r) => [r.image.imageDigest, r.action, r.appliedRulePriority, r.storageClass])).toEqual([
      [digest('stale'), { type: 'TRANSITION', targetStorageClass: 'ARCHIVE' }, 1, 'STANDARD'],
      [digest('archived'), { type: 'EXPIRE' }, 2, 'ARCHIVE'],
    ]);
  });

  it('leaves an image being restored to no rule, and says so', () => {
    const evaluation = evaluateLifecyclePolicy(keepLatest(1), [image('a', 5, [], { imageStatus: 'ACTIVATING' }), image('b', 1)], NOW);
    expect(evaluation.results).toEqual([]);
    expect(evaluation.notes).toEqual([{ code: 'ACTIVATING_IMAGE', imageDigests: [digest('a')] }]);
  });
});

describe('image indexes and referrers', () => {
  const INDEX = 'application/vnd.oci.image.index.v1+json';
  const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
  const platform = (name: string, days: number) => image(name, days, [], { imageManifestMediaType: MANIFEST });

  it('keeps a manifest an index that stays still lists, and counts every part as an image', () => {
    const images = [
      platform('amd', 2),
      platform('arm', 2.1),
      image('idx', 1, ['1.0'], { imageManifestMediaType: INDEX, manifestDigests: [digest('amd'), digest('arm')] }),
    ];
    const evaluation = evaluateLifecyclePolicy(keepLatest(1), images, NOW);
    expect(evaluation.results).toEqual([]);
    expect(evaluation.notes).toEqual([
      { code: 'INDEX_PARTS_COUNTED', imageDigests: [digest('amd'), digest('arm'), digest('idx')] },
    ]);
  });

  it('expires an index but keeps its manifests for a later evaluation, saying that ECR does not document when', () => {
    const images = [
      platform('amd', 10),
      image('old', 9, ['1.0'], { imageManifestMediaType: INDEX, manifestDigests: [digest('amd')] }),
      image('new', 1, ['2.0']),
    ];
    const evaluation = evaluateLifecyclePolicy(keepLatest(1), images, NOW);
    expect(evaluation.results.map((r) => r.image.imageDigest)).toEqual([digest('old')]);
    expect(evaluation.notes).toContainEqual({ code: 'MANIFEST_OF_EXPIRING_INDEX', imageDigests: [digest('amd')] });
  });

  it('names the expirations an index with unknown manifests may keep', () => {
    const images = [image('idx', 1, ['1.0'], { imageManifestMediaType: INDEX }), platform('amd', 2), image('old', 10, ['0.9'])];
    const evaluation = evaluateLifecyclePolicy(keepLatest(1), images, NOW);
    expect(evaluation.results.map((r) => r.image.imageDigest)).toEqual([digest('amd'), digest('old')]);
    expect(evaluation.notes).toContainEqual({ code: 'INDEX_MANIFESTS_UNKNOWN', imageDigests: [digest('amd'), digest('old')] });
  });

  it('notes nothing where the count is not reached', () => {
    const images = [image('idx', 1, ['1.0'], { imageManifestMediaType: INDEX }), platform('amd', 1)];
    expect(evaluateLifecyclePolicy(keepLatest(5), images, NOW)).toEqual({ results: [], notes: [] });
  });

  it('expires a referrer with its subject, by no rule, and a referrer of that referrer too', () => {
    const images = [
      image('subject', 10, ['1.0']),
      image('sig', 0.5, [], { artifactMediaType: 'application/vnd.cncf.notary.signature', subjectManifestDigest: digest('subject') }),
      image('sigsig', 0.4, [], { subjectManifestDigest: digest('sig') }),
      image('keep', 0.1, ['2.0']),
    ];
    const p = policy(rule(1, { tagStatus: 'tagged', tagPatternList: ['*'], countNumber: 1 }));
    const evaluation = evaluateLifecyclePolicy(p, images, NOW);
    expect(evaluation.results.map((r) => [r.image.imageDigest, r.appliedRulePriority])).toEqual([
      [digest('subject'), 1],
      [digest('sig'), undefined],
      [digest('sigsig'), undefined],
    ]);
  });

  it('expires a referrer whose subject is already gone', () => {
    const images = [image('orphan', 0.5, [], { subjectManifestDigest: digest('gone') }), image('keep', 0.1, ['2.0'])];
    const evaluation = evaluateLifecyclePolicy(keepLatest(5), images, NOW);
    expect(evaluation.results.map((r) => [r.image.imageDigest, r.action, r.appliedRulePriority])).toEqual([
      [digest('orphan'), { type: 'EXPIRE' }, undefined],
    ]);
  });
});
