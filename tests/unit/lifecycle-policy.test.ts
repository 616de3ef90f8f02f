import {
  buildLifecyclePolicy,
  classifyLifecyclePolicy,
  lifecyclePolicyText,
  policyForCount,
  toolPolicyCount,
  TOOL_RULE_DESCRIPTION_PREFIX,
  validateLifecyclePolicy,
  validateLifecyclePolicyText,
  type LifecyclePolicy,
} from '../../functions/lib/lifecycle-policy';

// The policy from the seed document (seed/ecr-pull-through-cache-lifecycle.md), copied literally.
const SEED_POLICY = `{
  "rules": [
    {
      "rulePriority": 1,
      "description": "Delete images not pulled in 30 days",
      "selection": {
        "tagStatus": "any",
        "countType": "sinceImagePulled",
        "countUnit": "days",
        "countNumber": 30
      },
      "action": {"type": "expire"}
    },
    {
      "rulePriority": 2,
      "description": "Keep only the latest 1 image",
      "selection": {
        "tagStatus": "any",
        "countType": "imageCountMoreThan",
        "countNumber": 1
      },
      "action": {"type": "expire"}
    }
  ]
}`;

type Rule = Record<string, unknown>;

/** A rule that keeps the latest image; `selection` and `action` fields are overridden per test. */
function anyRule(rulePriority: number, selection: Rule = {}, action: Rule = {}): Rule {
  return {
    rulePriority,
    selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1, ...selection },
    action: { type: 'expire', ...action },
  };
}

function taggedRule(rulePriority: number, selection: Rule = {}, action: Rule = {}): Rule {
  return {
    rulePriority,
    selection: { tagStatus: 'tagged', tagPrefixList: [`v${rulePriority}`], countType: 'imageCountMoreThan', countNumber: 3, ...selection },
    action: { type: 'expire', ...action },
  };
}

/** Problems for a policy given as data, checked through its text so the length rule applies too. */
function problemsOf(rules: Rule[]): string[] {
  return validateLifecyclePolicyText(JSON.stringify({ rules }, null, 1));
}

describe('the lifecycle policy the tool applies', () => {
  it.each([1, 3])('is a valid keep-latest-%i policy that ECR accepts', (keepImages) => {
    const text = lifecyclePolicyText(keepImages);
    expect(validateLifecyclePolicyText(text)).toEqual([]);
    expect(text.length).toBeGreaterThanOrEqual(100);
    const policy = JSON.parse(text);
    expect(policy.rules).toHaveLength(1);
    expect(policy.rules[0]).toMatchObject({
      rulePriority: 1,
      selection: { tagStatus: 'tagged', tagPatternList: ['*'], countType: 'imageCountMoreThan', countNumber: keepImages },
      action: { type: 'expire' },
    });
    expect(policy.rules[0].selection.countUnit).toBeUndefined();
  });

  it('refuses to build a policy that keeps no image, naming the broken rule', () => {
    expect(() => lifecyclePolicyText(0)).toThrow(/countNumber/);
  });

  it('marks its rule with the tool description so an earlier version can be recognised', () => {
    expect(buildLifecyclePolicy(2).rules[0].description).toMatch(/^ecr-lifecycle-manager:/);
  });
});

describe('the seed document policy', () => {
  it('is rejected for sinceImagePulled with expire and for two tagStatus any rules', () => {
    const problems = validateLifecyclePolicyText(SEED_POLICY);
    expect(problems.some((p) => /sinceImagePulled/.test(p) && /expire/.test(p))).toBe(true);
    // Both "any" rules in the standard class: priority 1 is not the highest, and two rules select untagged images.
    expect(problems.some((p) => /rule 1\b/.test(p) && /highest rulePriority/.test(p))).toBe(true);
    expect(problems.some((p) => /1, 2/.test(p) && /untagged/.test(p))).toBe(true);
  });
});

describe('ECR lifecycle policy rules', () => {
  it('accepts a tagged rule at priority 1 followed by an any rule at priority 2', () => {
    expect(problemsOf([taggedRule(1), anyRule(2)])).toEqual([]);
  });

  it('accepts a sinceImagePulled transition to archive', () => {
    expect(
      problemsOf([anyRule(1, { countType: 'sinceImagePulled', countUnit: 'days', countNumber: 30 }, { type: 'transition', targetStorageClass: 'archive' })]),
    ).toEqual([]);
  });

  it('accepts expiring archived images a number of days after they were transitioned', () => {
    expect(
      problemsOf([
        anyRule(1, { countType: 'sinceImagePulled', countUnit: 'days', countNumber: 30 }, { type: 'transition', targetStorageClass: 'archive' }),
        anyRule(2, { storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 90 }),
      ]),
    ).toEqual([]);
  });

  it('accepts sinceImagePushed with countUnit days', () => {
    expect(problemsOf([anyRule(1, { countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 })])).toEqual([]);
  });

  it('rejects sinceImagePulled with an expire action', () => {
    const problems = problemsOf([anyRule(1, { countType: 'sinceImagePulled', countUnit: 'days', countNumber: 30 })]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/sinceImagePulled.*expire/);
  });

  it('rejects countUnit with imageCountMoreThan', () => {
    const problems = problemsOf([anyRule(1, { countUnit: 'days' })]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/countUnit/);
  });

  it('rejects a since* count type without countUnit', () => {
    expect(problemsOf([anyRule(1, { countType: 'sinceImagePushed', countNumber: 14 })])).toEqual([
      expect.stringMatching(/countUnit/),
    ]);
  });

  it.each([0, -1, 1.5])('rejects countNumber %p', (countNumber) => {
    const problems = problemsOf([anyRule(1, { countNumber })]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/countNumber/);
  });

  it('rejects 51 rules and accepts 50', () => {
    const rules = (n: number) => [...Array.from({ length: n - 1 }, (_, i) => taggedRule(i + 1)), anyRule(n)];
    expect(problemsOf(rules(50))).toEqual([]);
    const problems = problemsOf(rules(51));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/50/);
  });

  it('rejects a policy with no rules', () => {
    expect(validateLifecyclePolicy({ rules: [] })).toHaveLength(1);
  });

  it('rejects policy text shorter than 100 characters', () => {
    const text = '{"rules":[{"rulePriority":1,"selection":{},"action":{}}]}';
    expect(text.length).toBeLessThan(100);
    expect(validateLifecyclePolicyText(text)).toEqual([expect.stringMatching(/100/)]);
  });

  it('accepts text of exactly 30,720 characters and rejects one more', () => {
    const compact = JSON.stringify({ rules: [anyRule(1)] });
    const padded = (length: number) => `${compact.slice(0, -1)}${' '.repeat(length - compact.length)}}`;
    expect(padded(30720)).toHaveLength(30720);
    expect(validateLifecyclePolicyText(padded(30720))).toEqual([]);
    expect(validateLifecyclePolicyText(padded(30721))).toEqual([expect.stringMatching(/30720/)]);
  });

  it('rejects text that is not JSON', () => {
    expect(validateLifecyclePolicyText(`{"rules": [${' '.repeat(120)}`)).toEqual([expect.stringMatching(/JSON/)]);
  });

  it('says first that short text is not JSON, then that it is short', () => {
    expect(validateLifecyclePolicyText('{not json')).toEqual(['policy text is not JSON', 'policy text must be 100..30720 characters, got 9']);
  });

  it('rejects tagPatternList and tagPrefixList together', () => {
    const problems = problemsOf([taggedRule(1, { tagPatternList: ['v*'], tagPrefixList: ['v'] }), anyRule(2)]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/tagPatternList.*tagPrefixList/);
  });

  it('accepts tagPatternList alone with tagged', () => {
    expect(problemsOf([taggedRule(1, { tagPrefixList: undefined, tagPatternList: ['prod*'] }), anyRule(2)])).toEqual([]);
  });

  it.each(['untagged', 'any'])('rejects a tag list with tagStatus %s', (tagStatus) => {
    const problems = problemsOf([anyRule(1, { tagStatus, tagPrefixList: ['v'] })]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/tagged/);
  });

  it('rejects tagStatus tagged without a tag list', () => {
    const problems = problemsOf([taggedRule(1, { tagPrefixList: undefined }), anyRule(2)]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/tagPatternList or tagPrefixList/);
  });

  it('rejects an empty tag list', () => {
    expect(problemsOf([taggedRule(1, { tagPrefixList: [] }), anyRule(2)])).toEqual([expect.stringMatching(/non-empty/)]);
  });

  it('rejects two rules with the same priority', () => {
    const problems = problemsOf([taggedRule(1), taggedRule(1, { tagPrefixList: ['other'] })]);
    expect(problems).toEqual([expect.stringMatching(/unique/)]);
  });

  it('rejects an any rule that is not the highest priority in its storage class', () => {
    const problems = problemsOf([anyRule(1), taggedRule(2)]);
    expect(problems).toEqual([expect.stringMatching(/rule 1.*highest rulePriority/)]);
  });

  it('judges the any rule of the archive class only against archive rules', () => {
    expect(
      problemsOf([
        anyRule(1, { countType: 'sinceImagePulled', countUnit: 'days', countNumber: 30 }, { type: 'transition', targetStorageClass: 'archive' }),
        taggedRule(2),
        anyRule(3, { storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 90 }),
      ]),
    ).toEqual([expect.stringMatching(/rule 1.*highest/)]);
  });

  it('rejects two rules selecting untagged images in one storage class', () => {
    const problems = problemsOf([anyRule(1, { tagStatus: 'untagged' }), anyRule(2)]);
    expect(problems).toEqual([expect.stringMatching(/1, 2.*untagged/)]);
  });

  it('rejects a transition without target storage class archive', () => {
    const problems = problemsOf([
      anyRule(1, { countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 }, { type: 'transition' }),
    ]);
    expect(problems).toEqual([expect.stringMatching(/targetStorageClass "archive"/)]);
  });

  it('rejects a transition of images already in archive', () => {
    const problems = problemsOf([
      anyRule(1, { storageClass: 'archive', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 }, { type: 'transition', targetStorageClass: 'archive' }),
    ]);
    expect(problems).toEqual([expect.stringMatching(/already in archive/)]);
  });

  it('rejects an expire action with a target storage class', () => {
    expect(problemsOf([anyRule(1, {}, { targetStorageClass: 'archive' })])).toEqual([expect.stringMatching(/targetStorageClass/)]);
  });

  it('rejects sinceImageTransitioned outside the archive storage class', () => {
    const problems = problemsOf([anyRule(1, { countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 90 })]);
    expect(problems).toEqual([expect.stringMatching(/sinceImageTransitioned.*storageClass "archive"/)]);
  });

  it('rejects an unknown action, tag status or count type', () => {
    expect(problemsOf([anyRule(1, {}, { type: 'keep' })])).toEqual([expect.stringMatching(/action.type/)]);
    expect(problemsOf([anyRule(1, { tagStatus: 'some' })])).toEqual([expect.stringMatching(/tagStatus/)]);
    expect(problemsOf([anyRule(1, { countType: 'sinceImageBuilt' })])).toEqual([expect.stringMatching(/countType/)]);
  });

  it('rejects a missing or fractional rulePriority', () => {
    expect(problemsOf([{ ...anyRule(1), rulePriority: undefined }])).toEqual([expect.stringMatching(/rulePriority/)]);
    expect(problemsOf([anyRule(1.5)])).toEqual([expect.stringMatching(/rulePriority/)]);
  });
});

describe('classifying a repository lifecycle policy', () => {
  const current = buildLifecyclePolicy(1);

  it('calls a repository without a policy NONE', () => {
    expect(classifyLifecyclePolicy(undefined, current)).toBe('NONE');
  });

  it("recognises the tool's policy with other whitespace and key order", () => {
    const stored = `{ "rules" : [ { "action": { "type": "expire" },
        "selection": { "countNumber": 1, "tagPatternList": [ "*" ], "countType": "imageCountMoreThan", "tagStatus": "tagged" },
        "description": "ecr-lifecycle-manager: keep the latest 1 tagged image", "rulePriority": 1 } ] }`;
    expect(classifyLifecyclePolicy(stored, current)).toBe('MANAGED');
  });

  it("calls the tool's earlier policy, which ranked every image, OUTDATED: the sweep replaces it", () => {
    const stored = JSON.stringify({
      rules: [{ rulePriority: 1, description: 'ecr-lifecycle-manager: keep the latest 1 image', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }],
    });
    expect(classifyLifecyclePolicy(stored, current)).toBe('OUTDATED');
  });

  it('recognises a policy whose rules ECR returns in another order', () => {
    const twoRules: LifecyclePolicy = {
      rules: [
        { rulePriority: 1, description: 'ecr-lifecycle-manager: releases', selection: { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 3 }, action: { type: 'expire' } },
        { rulePriority: 2, description: 'ecr-lifecycle-manager: rest', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } },
      ],
    };
    const stored = JSON.stringify({ rules: [twoRules.rules[1], twoRules.rules[0]] });
    expect(classifyLifecyclePolicy(stored, twoRules)).toBe('MANAGED');
  });

  it("calls an earlier policy of the tool's with another count OUTDATED", () => {
    const stored = JSON.stringify({
      rules: [{ rulePriority: 1, description: 'ecr-lifecycle-manager: keep the latest 3 images', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 3 }, action: { type: 'expire' } }],
    });
    expect(classifyLifecyclePolicy(stored, current)).toBe('OUTDATED');
  });

  it("leaves a person's policy as USER_DEFINED even when it keeps one image", () => {
    const stored = JSON.stringify({
      rules: [{ rulePriority: 1, description: 'keep one', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }],
    });
    expect(classifyLifecyclePolicy(stored, current)).toBe('USER_DEFINED');
  });

  it("leaves a policy a person extended with a rule of their own as USER_DEFINED", () => {
    const stored = JSON.stringify({
      rules: [
        { rulePriority: 1, description: 'releases forever', selection: { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 1000 }, action: { type: 'expire' } },
        { rulePriority: 2, description: 'ecr-lifecycle-manager: keep the latest 1 image', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } },
      ],
    });
    expect(classifyLifecyclePolicy(stored, current)).toBe('USER_DEFINED');
  });

  it('treats text that is not JSON as USER_DEFINED', () => {
    expect(classifyLifecyclePolicy('{"rules": [', current)).toBe('USER_DEFINED');
  });

  it('treats a policy with no rules as USER_DEFINED', () => {
    expect(classifyLifecyclePolicy('{"rules": []}', current)).toBe('USER_DEFINED');
  });
});

describe("the count a policy of the tool's keeps, and whether it must be put again", () => {
  it("reads the count of the tool's policy as this version builds it, any count, stored with ECR's spacing", () => {
    expect(toolPolicyCount(lifecyclePolicyText(1))).toBe(1);
    expect(toolPolicyCount(JSON.stringify(buildLifecyclePolicy(42), null, 2))).toBe(42);
  });

  it("reads no count from anything else: no policy, a person's, an earlier form of the tool's, not JSON", () => {
    const person = { rules: [{ rulePriority: 1, description: 'keep 5', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 5 }, action: { type: 'expire' } }] };
    const earlier = { rules: [{ ...buildLifecyclePolicy(5).rules[0], description: `${TOOL_RULE_DESCRIPTION_PREFIX} keep 5` }] };
    for (const text of [undefined, JSON.stringify(person), JSON.stringify(earlier), '{"rules":', '{}']) expect(toolPolicyCount(text)).toBeUndefined();
  });

  it('keeps a stored policy of the tool\'s only while its count is the one needed, and always puts one where there is none', () => {
    expect(policyForCount('MANAGED', 3, 3)).toBe('MANAGED');
    expect(policyForCount('MANAGED', 3, 4)).toBe('OUTDATED');
    expect(policyForCount('OUTDATED', 4, 4)).toBe('MANAGED');
    expect(policyForCount('OUTDATED', null, 1)).toBe('OUTDATED');
    expect(policyForCount('NONE', null, 1)).toBe('NONE');
  });
});
