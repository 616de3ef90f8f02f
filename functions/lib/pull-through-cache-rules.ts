// Pull-through cache rules as configuration: the upstreams ECR supports (the one list of them in this project),
// what each needs, and every reason ECR or CloudFormation would refuse a rule, found before anything deploys.
// Pure: no file system, no AWS. deploy/derived.ts and `ecr-lifecycle rules` read the file.
import { parseDocument } from 'yaml';
import { ECR_REPOSITORY_PREFIX, ROOT_PREFIX } from './cached-repositories';
import { isObject, jsonFileProblem } from './json';

/** ECR's `upstreamRegistry` enum (CreatePullThroughCacheRule). */
export type UpstreamRegistry =
  | 'ecr-public'
  | 'k8s'
  | 'quay'
  | 'docker-hub'
  | 'github-container-registry'
  | 'gitlab-container-registry'
  | 'azure-container-registry'
  | 'chainguard'
  | 'ecr';

export interface Upstream {
  registry: UpstreamRegistry;
  /** What a person calls it. */
  title: string;
  /** The upstreamRegistryUrl to give, as ECR expects it. */
  url: string;
  /** credentials: a Secrets Manager secret (credentialArn); role: an IAM role (ECR-to-ECR); none. */
  needs: 'credentials' | 'role' | 'none';
}

/** Every upstream ECR pull-through cache supports, in the order `ecr-lifecycle rules` explains them. */
export const UPSTREAMS: readonly Upstream[] = [
  { registry: 'ecr-public', title: 'Amazon ECR Public', url: 'public.ecr.aws', needs: 'none' },
  { registry: 'k8s', title: 'Kubernetes', url: 'registry.k8s.io', needs: 'none' },
  { registry: 'quay', title: 'Quay', url: 'quay.io', needs: 'none' },
  { registry: 'docker-hub', title: 'Docker Hub', url: 'registry-1.docker.io', needs: 'credentials' },
  { registry: 'github-container-registry', title: 'GitHub Container Registry', url: 'ghcr.io', needs: 'credentials' },
  { registry: 'gitlab-container-registry', title: 'GitLab Container Registry', url: 'registry.gitlab.com', needs: 'credentials' },
  { registry: 'azure-container-registry', title: 'Azure Container Registry', url: '<name>.azurecr.io', needs: 'credentials' },
  { registry: 'chainguard', title: 'Chainguard', url: 'cgr.dev', needs: 'credentials' },
  { registry: 'ecr', title: 'Amazon ECR (private, ECR-to-ECR)', url: '<account>.dkr.ecr.<region>.amazonaws.com', needs: 'role' },
];

const upstream = (registry: UpstreamRegistry): Upstream => UPSTREAMS.find((u) => u.registry === registry)!;

function hostOf(url: string): string {
  return url.trim().replace(/^https?:\/\//i, '').split('/')[0].toLowerCase();
}

/** Upstreams ECR pull-through cache accepts (model enum `upstreamRegistry`), by registry host. */
export function upstreamRegistryOf(url: string): UpstreamRegistry | undefined {
  const host = hostOf(url);
  const fixed = UPSTREAMS.find((u) => u.url === host);
  if (fixed) return fixed.registry;
  if (/^[a-z0-9-]+\.azurecr\.io$/.test(host)) return 'azure-container-registry';
  if (/^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com$/.test(host)) return 'ecr';
  return undefined;
}

/** One rule of the configuration file, in ECR's own field names. */
export interface PullThroughCacheRuleConfig {
  ecrRepositoryPrefix: string;
  upstreamRegistryUrl: string;
  credentialArn?: string;
}

export interface CheckedRule extends PullThroughCacheRuleConfig {
  upstreamRegistry: UpstreamRegistry;
}

export interface RuleOptions {
  /** The stage setting: whether a ROOT prefix may be managed at all. */
  manageRootPrefix?: boolean;
}

export const MAX_RULES = 50;
export const CREDENTIAL_SECRET_PREFIX = 'ecr-pullthroughcache/';
const FIELDS = ['ecrRepositoryPrefix', 'upstreamRegistryUrl', 'credentialArn'];
// Beside the model's pattern (ECR_REPOSITORY_PREFIX), CloudFormation's stricter one (AWS::ECR::PullThroughCacheRule):
// parts between "/" start and end with a letter or digit, joined by ".", "_", "__" or dashes.
const PART = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const CLOUDFORMATION_PREFIX = new RegExp(`^${PART}(?:/${PART})*$`);
// arn:<partition>:secretsmanager:<region>:<account>:secret:<name>, the partitions ECR's API takes (aws, aws-cn,
// aws-us-gov, ...); REGION and ACCOUNT may stay as placeholders, which the stack replaces with its own region and
// account, and then its own partition too.
const SECRET_ARN = /^arn:aws(?:-[a-z]+)*:secretsmanager:([a-z0-9-]+|REGION):(\d{12}|ACCOUNT):secret:(.+)$/;
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]+$/;

/** The whole configuration is refused: every problem, one line each. */
export class PullThroughCacheRulesError extends Error {
  name = 'PullThroughCacheRulesError';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

/** A rules file: `{"pullThroughCacheRules": [...]}` (JSON or YAML; a `$comment` key is allowed), or a bare list. */
export function parseRulesFile(text: string, fileName = 'the rules file'): unknown[] {
  const notJson = jsonFileProblem(text, fileName);
  if (notJson) throw new PullThroughCacheRulesError([`${fileName}: ${notJson}`]);
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    throw new PullThroughCacheRulesError([`${fileName}: not JSON or YAML (${document.errors[0].message.split('\n')[0]})`]);
  }
  const data: unknown = document.toJS();
  if (Array.isArray(data)) return data;
  if (isObject(data) && Array.isArray(data.pullThroughCacheRules)) {
    const unknown = Object.keys(data).filter((k) => k !== 'pullThroughCacheRules' && k !== '$comment');
    if (unknown.length > 0) {
      throw new PullThroughCacheRulesError([
        `${fileName}: unknown key ${JSON.stringify(unknown[0])}; the file holds "pullThroughCacheRules" (and optionally "$comment")`,
      ]);
    }
    return data.pullThroughCacheRules;
  }
  throw new PullThroughCacheRulesError([
    `${fileName}: expected {"pullThroughCacheRules": [{"ecrRepositoryPrefix": ..., "upstreamRegistryUrl": ..., "credentialArn": ...}]}`,
  ]);
}

/** Every reason the rules would be refused, each naming the entry and the fix; empty when they are fine. */
export function validatePullThroughCacheRules(rules: unknown, options: RuleOptions = {}): string[] {
  if (!Array.isArray(rules)) return ['pullThroughCacheRules must be a list of rules'];
  const problems: string[] = [];
  if (rules.length > MAX_RULES) {
    problems.push(
      `pullThroughCacheRules has ${rules.length} rules; a registry holds at most ${MAX_RULES} pull-through cache rules: remove ${rules.length - MAX_RULES}`,
    );
  }
  const seen = new Map<string, number>();
  rules.forEach((rule, index) => {
    problems.push(...validateRule(rule, index, options));
    if (isObject(rule) && typeof rule.ecrRepositoryPrefix === 'string') {
      const prefix = rule.ecrRepositoryPrefix;
      const first = seen.get(prefix);
      if (first !== undefined) {
        problems.push(
          `${label(rule, index)}: prefix "${prefix}" is already used by pullThroughCacheRules[${first}]; every rule needs its own prefix: rename or remove one of them`,
        );
      } else {
        seen.set(prefix, index);
      }
    }
  });
  return problems;
}

/** The rules, checked: returns them with their upstream, or throws a PullThroughCacheRulesError listing every problem. */
export function checkPullThroughCacheRules(rules: unknown, options: RuleOptions = {}): CheckedRule[] {
  const problems = validatePullThroughCacheRules(rules, options);
  if (problems.length > 0) throw new PullThroughCacheRulesError(problems);
  return (rules as PullThroughCacheRuleConfig[]).map((rule) => ({
    ecrRepositoryPrefix: rule.ecrRepositoryPrefix,
    upstreamRegistryUrl: rule.upstreamRegistryUrl.trim(),
    ...(rule.credentialArn !== undefined ? { credentialArn: rule.credentialArn } : {}),
    upstreamRegistry: upstreamRegistryOf(rule.upstreamRegistryUrl)!,
  }));
}

/** What a rule's upstream needs, in one line, for `ecr-lifecycle rules`. */
export function upstreamNeeds(rule: PullThroughCacheRuleConfig): string {
  const registry = upstreamRegistryOf(rule.upstreamRegistryUrl);
  if (!registry) return 'not supported by ECR pull-through cache';
  const { title, needs } = upstream(registry);
  if (needs === 'none') return `${title}: no credentials needed`;
  if (needs === 'role') return `${title}: needs an IAM role (not created by this stack)`;
  return `${title}: needs credentials, a Secrets Manager secret named ${CREDENTIAL_SECRET_PREFIX}...${rule.credentialArn ? ` (${rule.credentialArn})` : ' (missing)'}`;
}

function label(rule: Record<string, unknown>, index: number): string {
  const prefix = typeof rule.ecrRepositoryPrefix === 'string' ? ` (${JSON.stringify(rule.ecrRepositoryPrefix)})` : '';
  return `pullThroughCacheRules[${index}]${prefix}`;
}

function validateRule(rule: unknown, index: number, options: RuleOptions): string[] {
  if (!isObject(rule)) {
    return [`pullThroughCacheRules[${index}]: expected an object with ecrRepositoryPrefix, upstreamRegistryUrl and, where the upstream needs it, credentialArn`];
  }
  const at = label(rule, index);
  const problems: string[] = [];
  for (const key of Object.keys(rule).filter((k) => !FIELDS.includes(k))) {
    problems.push(`${at}: unknown field ${JSON.stringify(key)}; a rule has ${FIELDS.join(', ')}`);
  }
  problems.push(...prefixProblems(rule.ecrRepositoryPrefix, at, options));

  const url = rule.upstreamRegistryUrl;
  if (typeof url !== 'string' || url.trim() === '') {
    problems.push(`${at}: upstreamRegistryUrl is missing; give the registry host, e.g. "public.ecr.aws"`);
    return problems;
  }
  const registry = upstreamRegistryOf(url);
  if (!registry) {
    problems.push(`${at}: ${unsupportedUpstream(url)}`);
    return problems;
  }
  if (url.trim() !== hostOf(url)) {
    problems.push(`${at}: upstreamRegistryUrl must be the registry host alone, without scheme or path: "${hostOf(url)}"`);
  }
  const { title, needs } = upstream(registry);
  if (needs === 'role') {
    problems.push(
      `${at}: an ECR-to-ECR rule (upstream ${hostOf(url)}) needs an IAM role that ECR assumes in the upstream account (customRoleArn), which this stack's configuration does not create; create that rule with \`aws ecr create-pull-through-cache-rule --upstream-registry ecr --custom-role-arn ...\` and remove it here (the sweep still manages its repositories unless manageOnlyConfiguredRules is true)`,
    );
  }
  const credentialArn = rule.credentialArn;
  if (needs === 'credentials' && credentialArn === undefined) {
    problems.push(
      `${at}: ${title} (${hostOf(url)}) needs credentials: create a Secrets Manager secret named ${CREDENTIAL_SECRET_PREFIX}<name> (e.g. ${CREDENTIAL_SECRET_PREFIX}${rule.ecrRepositoryPrefix ?? registry}) holding {"username": ..., "accessToken": ...} in the stack's account and region, and set credentialArn to its ARN`,
    );
  }
  if (credentialArn !== undefined && needs !== 'role') problems.push(...credentialProblems(credentialArn, at));
  return problems;
}

function prefixProblems(prefix: unknown, at: string, options: RuleOptions): string[] {
  if (typeof prefix !== 'string' || prefix === '') {
    return [`${at}: ecrRepositoryPrefix is missing; give the prefix cached repositories get, e.g. "docker-hub"`];
  }
  if (prefix === ROOT_PREFIX) {
    return options.manageRootPrefix
      ? [`${at}: ecrRepositoryPrefix ROOT exists only for ECR-to-ECR rules, which this stack's configuration does not create; give this rule a prefix such as "cache"`]
      : [
          `${at}: ecrRepositoryPrefix ROOT caches repositories under their upstream names with no prefix, so they cannot be told apart from your own repositories; this tool does not manage ROOT unless the stage setting manageRootPrefix is true. Give the rule a prefix instead, e.g. "cache"`,
        ];
  }
  const suggestion = prefix.toLowerCase().replace(/[^a-z0-9._/-]+/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '').slice(0, 30);
  const hint = suggestion.length >= 2 && CLOUDFORMATION_PREFIX.test(suggestion) ? `, e.g. "${suggestion}"` : '';
  if (!ECR_REPOSITORY_PREFIX.test(prefix)) {
    return [`${at}: ecrRepositoryPrefix must be 2..30 characters of lowercase letters, digits, ".", "_", "/" and "-" (ECR's pattern), got ${prefix.length} characters${hint}`];
  }
  if (prefix.endsWith('/')) {
    return [`${at}: ecrRepositoryPrefix must not end with "/": ECR adds the "/" between the prefix and the upstream path itself; write "${prefix.replace(/\/+$/, '')}"`];
  }
  if (!CLOUDFORMATION_PREFIX.test(prefix)) {
    return [`${at}: ecrRepositoryPrefix: each part between "/" must start and end with a letter or digit, its words joined by ".", "_", "__" or "-" (CloudFormation's pattern)${hint}`];
  }
  return [];
}

function credentialProblems(credentialArn: unknown, at: string): string[] {
  const match = typeof credentialArn === 'string' ? SECRET_ARN.exec(credentialArn) : null;
  if (!match) {
    return [
      `${at}: credentialArn must be a Secrets Manager secret ARN, arn:aws:secretsmanager:<region>:<account>:secret:${CREDENTIAL_SECRET_PREFIX}<name> (REGION and ACCOUNT may stay as placeholders: the stack fills in its own), got ${JSON.stringify(credentialArn)}`,
    ];
  }
  const name = match[3];
  if (!name.startsWith(CREDENTIAL_SECRET_PREFIX)) {
    return [
      `${at}: the credential secret's name must start with "${CREDENTIAL_SECRET_PREFIX}" (ECR only uses secrets named so), got "${name}"; create the secret as ${CREDENTIAL_SECRET_PREFIX}${name.split('/').pop()} and use its ARN`,
    ];
  }
  if (name.length === CREDENTIAL_SECRET_PREFIX.length || !SECRET_NAME.test(name)) {
    return [`${at}: the credential secret's name "${name}" must be ${CREDENTIAL_SECRET_PREFIX} followed by letters, digits or /_+=.@-`];
  }
  return [];
}

function unsupportedUpstream(url: string): string {
  const host = hostOf(url);
  const supported = UPSTREAMS.map((u) => u.url).join(', ');
  if (host === 'gcr.io' || host.endsWith('.gcr.io') || host.endsWith('-docker.pkg.dev') || host === 'pkg.dev') {
    return (
      `ECR pull-through cache does not support ${host} (Google Container Registry / Artifact Registry are not upstreams ECR can cache). ` +
      'Remove this rule. Kubernetes images formerly on k8s.gcr.io are on registry.k8s.io (upstreamRegistryUrl "registry.k8s.io", no credentials); ' +
      'for other Google-hosted images, copy them into your own ECR repositories (e.g. with crane or skopeo in CI) or pull them from a supported registry ' +
      'that mirrors them (ECR Public, Docker Hub, Quay, GHCR)'
    );
  }
  if (host === 'docker.io' || host === 'index.docker.io' || host === 'hub.docker.com') {
    return `Docker Hub's registry host is registry-1.docker.io: set upstreamRegistryUrl to "registry-1.docker.io" (it needs credentialArn)`;
  }
  return `ECR pull-through cache does not support "${host}"; the upstreams it supports are ${supported}`;
}
