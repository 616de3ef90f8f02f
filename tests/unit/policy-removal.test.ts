// What the uninstall removes: a policy whose every rule carries the tool's marker, of any version; never a person's.
import { lifecyclePolicyText } from '../../functions/lib/lifecycle-policy';
import { emptyRemovalReport, policyRemoval, removalSummary } from '../../functions/lib/policy-removal';

const rule = (rulePriority: number, description: string | undefined, countNumber = 1) => ({
  rulePriority,
  ...(description === undefined ? {} : { description }),
  selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber },
  action: { type: 'expire' },
});

describe('policyRemoval', () => {
  it("removes the tool's current policy, whatever keepImages made it", () => {
    expect(policyRemoval(lifecyclePolicyText(1))).toBe('remove');
    expect(policyRemoval(lifecyclePolicyText(7))).toBe('remove');
  });

  it('removes an earlier policy of the tool: other rules and wording, every rule marked', () => {
    const earlier = { rules: [rule(1, 'ecr-lifecycle-manager: untagged first', 2), rule(2, 'ecr-lifecycle-manager: keep 5', 5)] };
    expect(policyRemoval(JSON.stringify(earlier, null, 2))).toBe('remove');
  });

  it("keeps a person's policy, one with a single unmarked rule among marked ones, and one without descriptions", () => {
    expect(policyRemoval(JSON.stringify({ rules: [rule(1, 'Expire untagged images')] }))).toBe('keep');
    expect(policyRemoval(JSON.stringify({ rules: [rule(1, 'ecr-lifecycle-manager: keep 1'), rule(2, 'team rule')] }))).toBe('keep');
    expect(policyRemoval(JSON.stringify({ rules: [rule(1, undefined)] }))).toBe('keep');
    expect(policyRemoval(JSON.stringify({ rules: [rule(1, 'about ecr-lifecycle-manager: not the marker at the start')] }))).toBe('keep');
  });

  it('has nothing to remove where there is no policy', () => {
    expect(policyRemoval(undefined)).toBe('none');
  });
});

describe('removalSummary', () => {
  it('says what a dry run would remove, out of how many, what it leaves, and that nothing changed', () => {
    const report = { ...emptyRemovalReport(true), repositories: 12, removed: ['a', 'b', 'c'], kept: 2, withoutPolicy: 7 };
    expect(removalSummary(report)).toBe(
      "Dry run: would remove the tool's lifecycle policy from 3 of 12 repositories; 2 keep a person's policy, 7 have none; nothing changed.",
    );
  });

  it('counts repositories deleted during the run and failures', () => {
    const report = {
      ...emptyRemovalReport(false),
      repositories: 1,
      removed: [],
      kept: 1,
      withoutPolicy: 1,
      gone: 1,
      failed: [{ repositoryName: 'x', error: 'AccessDeniedException: no' }],
    };
    expect(removalSummary(report)).toBe(
      "Removed the tool's lifecycle policy from 0 of 1 repository; 1 keeps a person's policy, 1 has none, 1 was deleted during the run, 1 failed.",
    );
  });
});
