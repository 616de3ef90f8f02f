// The lifecycle policy this tool applies, ECR's documented rules for a valid policy, and how two policies compare.
// ECR stores rules ordered by rulePriority, so policies are compared as data, never as raw text.
import { isObject } from './json';

export interface LifecyclePolicyRule {
  rulePriority: number;
  description?: string;
  selection: {
    tagStatus: 'tagged' | 'untagged' | 'any';
    tagPatternList?: string[];
    tagPrefixList?: string[];
    storageClass?: 'standard' | 'archive';
    countType: 'imageCountMoreThan' | 'sinceImagePushed' | 'sinceImagePulled' | 'sinceImageTransitioned';
    countUnit?: 'days';
    countNumber: number;
  };
  action: { type: 'expire' | 'transition'; targetStorageClass?: 'archive' };
}

export interface LifecyclePolicy {
  rules: LifecyclePolicyRule[];
}

/** The description that marks a rule as this tool's; a person's rule with other words is theirs. */
export const TOOL_RULE_DESCRIPTION_PREFIX = 'ecr-lifecycle-manager:';

/**
 * The tool's policy: ECR keeps the latest `keepImages` tagged images by push time and expires older tagged ones.
 * Only tagged images are ranked, so the order in which a cache stored an index and its untagged platform manifests,
 * and whether ECR ranks those manifests as images of their own (not documented), cannot make ECR expire the newest
 * tag; untagged images are left to pull-age expiry (docs/multi-platform-images.md).
 */
export function buildLifecyclePolicy(keepImages: number): LifecyclePolicy {
  const noun = keepImages === 1 ? 'image' : 'images';
  return {
    rules: [
      {
        rulePriority: 1,
        description: `${TOOL_RULE_DESCRIPTION_PREFIX} keep the latest ${keepImages} tagged ${noun}`,
        selection: { tagStatus: 'tagged', tagPatternList: ['*'], countType: 'imageCountMoreThan', countNumber: keepImages },
        action: { type: 'expire' },
      },
    ],
  };
}

/** The exact text PutLifecyclePolicy is given; throws if ECR would reject it. */
export function lifecyclePolicyText(keepImages: number): string {
  const text = JSON.stringify(buildLifecyclePolicy(keepImages));
  const problems = validateLifecyclePolicyText(text);
  if (problems.length > 0) {
    throw new Error(`invalid lifecycle policy (keepImages=${keepImages}): ${problems.join('; ')}`);
  }
  return text;
}

const MIN_TEXT = 100;
const MAX_TEXT = 30720;
const MAX_RULES = 50;
const COUNT_TYPES = ['imageCountMoreThan', 'sinceImagePushed', 'sinceImagePulled', 'sinceImageTransitioned'];
const TAG_STATUSES = ['tagged', 'untagged', 'any'];

const isPositiveInteger = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1;

/** Every reason ECR's PutLifecyclePolicy would reject this text; empty when it is valid. */
export function validateLifecyclePolicyText(text: string): string[] {
  let policy: unknown;
  const problems: string[] = [];
  try {
    policy = JSON.parse(text);
  } catch {
    // Said first: text that is no JSON at all is rarely wrong only in its length.
    problems.push('policy text is not JSON');
  }
  if (text.length < MIN_TEXT || text.length > MAX_TEXT) {
    problems.push(`policy text must be ${MIN_TEXT}..${MAX_TEXT} characters, got ${text.length}`);
  }
  return problems.length > 0 ? problems : validateLifecyclePolicy(policy);
}

export function validateLifecyclePolicy(policy: unknown): string[] {
  if (!isObject(policy) || !Array.isArray(policy.rules)) return ['policy must be an object with a "rules" array'];
  const rules = policy.rules as unknown[];
  if (rules.length < 1 || rules.length > MAX_RULES) return [`a policy has 1..${MAX_RULES} rules, got ${rules.length}`];

  const problems: string[] = rules.flatMap((rule, i) => validateRule(rule, i));
  // Rules whose shape is sound are also checked against each other, so one answer lists every reason.
  const valid = rules.filter(
    (r): r is LifecyclePolicyRule => isObject(r) && isPositiveInteger(r.rulePriority) && isObject(r.selection),
  );
  const priorities = valid.map((r) => r.rulePriority);
  const duplicated = priorities.filter((p, i) => priorities.indexOf(p) !== i);
  if (duplicated.length > 0) problems.push(`rulePriority must be unique, ${duplicated[0]} is used twice`);

  for (const storageClass of ['standard', 'archive']) {
    const inClass = valid.filter((r) => (r.selection.storageClass ?? 'standard') === storageClass);
    const highest = Math.max(...inClass.map((r) => r.rulePriority));
    for (const rule of inClass.filter((r) => r.selection.tagStatus === 'any')) {
      if (rule.rulePriority !== highest || priorities.filter((p) => p === highest).length > 1) {
        problems.push(
          `rule ${rule.rulePriority}: a tagStatus "any" rule must have the highest rulePriority in its storage class`,
        );
      }
    }
    const selectingUntagged = inClass.filter((r) => r.selection.tagStatus !== 'tagged');
    if (selectingUntagged.length > 1) {
      problems.push(
        `rules ${selectingUntagged.map((r) => r.rulePriority).join(', ')}: at most one rule per storage class may select untagged images (tagStatus "untagged" or "any")`,
      );
    }
  }
  return problems;
}

function validateRule(rule: unknown, index: number): string[] {
  const at = `rules[${index}]`;
  if (!isObject(rule)) return [`${at} must be an object`];
  const { rulePriority, selection, action } = rule;
  const problems: string[] = [];
  if (!isPositiveInteger(rulePriority)) problems.push(`${at}.rulePriority must be an integer >= 1`);
  if (rule.description !== undefined && typeof rule.description !== 'string') {
    problems.push(`${at}.description must be a string`);
  }
  if (!isObject(selection)) return [...problems, `${at}.selection must be an object`];
  if (!isObject(action)) return [...problems, `${at}.action must be an object`];
  const name = isPositiveInteger(rulePriority) ? `rule ${rulePriority}` : at;

  const { tagStatus, tagPatternList, tagPrefixList, countType, countUnit, countNumber } = selection;
  const storageClass = selection.storageClass ?? 'standard';
  if (!TAG_STATUSES.includes(tagStatus as string)) problems.push(`${name}: tagStatus must be tagged, untagged or any`);
  if (tagPatternList !== undefined && tagPrefixList !== undefined) {
    problems.push(`${name}: tagPatternList and tagPrefixList cannot be used together`);
  }
  const hasTagList = tagPatternList !== undefined || tagPrefixList !== undefined;
  if (tagStatus === 'tagged' && !hasTagList) problems.push(`${name}: tagStatus "tagged" needs tagPatternList or tagPrefixList`);
  if (tagStatus !== 'tagged' && hasTagList) problems.push(`${name}: tag lists go only with tagStatus "tagged"`);
  for (const [key, list] of Object.entries({ tagPatternList, tagPrefixList })) {
    if (list !== undefined && (!Array.isArray(list) || list.length === 0 || !list.every((t) => typeof t === 'string'))) {
      problems.push(`${name}: ${key} must be a non-empty list of strings`);
    }
  }
  if (storageClass !== 'standard' && storageClass !== 'archive') {
    problems.push(`${name}: storageClass must be standard or archive`);
  }

  if (!COUNT_TYPES.includes(countType as string)) {
    problems.push(`${name}: countType must be one of ${COUNT_TYPES.join(', ')}`);
  } else if (countType === 'imageCountMoreThan') {
    if (countUnit !== undefined) problems.push(`${name}: countUnit goes only with the since* count types`);
  } else if (countUnit !== 'days') {
    problems.push(`${name}: countType ${String(countType)} needs countUnit "days"`);
  }
  if (!isPositiveInteger(countNumber)) problems.push(`${name}: countNumber must be an integer >= 1`);

  const { type, targetStorageClass } = action;
  if (type === 'expire') {
    if (targetStorageClass !== undefined) problems.push(`${name}: an expire action takes no targetStorageClass`);
    if (countType === 'sinceImagePulled') {
      problems.push(`${name}: countType sinceImagePulled works only with a transition to archive, not with expire`);
    }
  } else if (type === 'transition') {
    if (targetStorageClass !== 'archive') problems.push(`${name}: a transition action needs targetStorageClass "archive"`);
    if (storageClass === 'archive') problems.push(`${name}: images already in archive cannot transition`);
  } else {
    problems.push(`${name}: action.type must be expire or transition`);
  }
  if (countType === 'sinceImageTransitioned' && storageClass !== 'archive') {
    problems.push(`${name}: countType sinceImageTransitioned needs storageClass "archive"`);
  }
  return problems;
}

/**
 * NONE: no policy. MANAGED: the tool's current policy. OUTDATED: an earlier policy of the tool's (every rule carries
 * its description marker), which a changed configuration replaces. USER_DEFINED: anything else, never touched.
 */
export type LifecyclePolicyOwner = 'NONE' | 'MANAGED' | 'OUTDATED' | 'USER_DEFINED';

/** What the check of a repository answers: its policy's owner, or EXCLUDED when the settings file names it. */
export type RepositoryCheck = LifecyclePolicyOwner | 'EXCLUDED';

export function classifyLifecyclePolicy(storedText: string | undefined, current: LifecyclePolicy): LifecyclePolicyOwner {
  if (storedText === undefined) return 'NONE';
  if (isSameLifecyclePolicy(storedText, current)) return 'MANAGED';
  return isToolLifecyclePolicy(storedText) ? 'OUTDATED' : 'USER_DEFINED';
}

/**
 * The count a stored policy keeps when it is the tool's policy as this version builds it, whatever its count;
 * undefined for anything else. With keepInUse the count a repository needs is known only once its images are
 * described, so the check hands this on and the decision whether to put the policy again is taken then.
 */
export function toolPolicyCount(storedText: string | undefined): number | undefined {
  if (storedText === undefined) return undefined;
  try {
    const policy: unknown = JSON.parse(storedText);
    const rules = isObject(policy) && Array.isArray(policy.rules) ? policy.rules : [];
    const count: unknown = rules.length === 1 && isObject(rules[0]) && isObject(rules[0].selection) ? rules[0].selection.countNumber : undefined;
    return isPositiveInteger(count) && isSameLifecyclePolicy(storedText, buildLifecyclePolicy(count)) ? count : undefined;
  } catch {
    return undefined;
  }
}

/** The repositories the tool's policy is for: none yet, or the tool's (current or earlier). */
export type ToolPolicyCheck = Exclude<LifecyclePolicyOwner, 'USER_DEFINED'>;

/**
 * Whose policy, once the count the repository needs is known: the tool's stored policy stays MANAGED only while it
 * keeps exactly that count; any other count makes it OUTDATED, to be replaced.
 */
export function policyForCount(check: ToolPolicyCheck, keptImages: number | null, keepImages: number): ToolPolicyCheck {
  if (check === 'NONE') return 'NONE';
  return keptImages === keepImages ? 'MANAGED' : 'OUTDATED';
}

/** Whether a stored policy is this tool's, of any version: every rule's description carries the marker. */
export function isToolLifecyclePolicy(storedText: string): boolean {
  try {
    const policy: unknown = JSON.parse(storedText);
    if (!isObject(policy) || !Array.isArray(policy.rules) || policy.rules.length === 0) return false;
    return policy.rules.every(
      (rule) => isObject(rule) && typeof rule.description === 'string' && rule.description.startsWith(TOOL_RULE_DESCRIPTION_PREFIX),
    );
  } catch {
    return false;
  }
}

/** ECR may return a stored policy with its rules reordered and other spacing; equal means equal as data. */
export function isSameLifecyclePolicy(storedText: string, expected: LifecyclePolicy): boolean {
  let stored: unknown;
  try {
    stored = JSON.parse(storedText);
  } catch {
    return false;
  }
  return canonical(sortRules(stored)) === canonical(sortRules(expected));
}

function sortRules(policy: unknown): unknown {
  if (!isObject(policy) || !Array.isArray(policy.rules)) return policy;
  const rules = [...policy.rules].sort((a, b) => Number(a?.rulePriority) - Number(b?.rulePriority));
  return { ...policy, rules };
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
