'use strict';
// Pull-through cache rules from configuration (docs/pull-through-cache-rules.md), checked before anything is packaged.
//
// Stage params:
//   pullThroughCacheRulesFile   path of a JSON or YAML rules file, relative to the project; '' = no rules
//                               (the tool still manages rules made elsewhere)
//   manageOnlyConfiguredRules   true: the sweep manages only the file's prefixes and its ECR permissions are scoped
//                               to repository/<prefix>/*; false: every pull-through cache rule, repository/*
//   manageRootPrefix            (deploy/params.js) whether ROOT may be managed at all
//
// serverless.yml reads from here:
//   resources          an AWS::ECR::PullThroughCacheRule and an AWS::ECR::RepositoryCreationTemplate per rule, one
//                      item of serverless.yml's `resources` list. A bad file stops the command here, with every
//                      problem named.
//   repositoryArns     the repository ARNs the per-repository ECR statements are granted on
//   MANAGED_PREFIXES   the prefixes the sweep manages, comma-separated ('' = every rule's)
//
// The rules are checked by functions/lib/pull-through-cache-rules.ts (loaded through tsx), the same code
// `ecr-lifecycle rules --check` runs.

const fs = require('node:fs');
const path = require('node:path');
const loadTs = require('./load-ts');

const root = path.join(__dirname, '..');

class RulesError extends Error {
  constructor(message) {
    super(`Invalid pull-through cache rules: ${message}`);
    this.name = 'RulesError';
    // The framework prints a failing variable source's stack; the message alone is what the user needs.
    this.stack = this.message;
  }
}

function flag(name, value) {
  if (value === true || value === false) return value;
  const text = value === undefined || value === null ? 'false' : String(value).trim().toLowerCase();
  if (text === 'true' || text === 'false' || text === '') return text === 'true';
  throw new RulesError(`${name} must be true or false, got ${JSON.stringify(value)}`);
}

/**
 * The checked configuration: { rules, scoped } or a RulesError. `raw` holds the params; `lib` the TypeScript
 * module (tests pass the one they import).
 */
function checkRules(raw, lib = loadTs('functions/lib/pull-through-cache-rules.ts')) {
  const file = raw.pullThroughCacheRulesFile === undefined || raw.pullThroughCacheRulesFile === null
    ? ''
    : String(raw.pullThroughCacheRulesFile).trim();
  const manageOnlyConfiguredRules = flag('manageOnlyConfiguredRules', raw.manageOnlyConfiguredRules);
  const manageRootPrefix = flag('manageRootPrefix', raw.manageRootPrefix);
  let rules = [];
  if (file !== '') {
    const absolute = path.resolve(root, file);
    let text;
    try {
      text = fs.readFileSync(absolute, 'utf8');
    } catch (error) {
      throw new RulesError(`pullThroughCacheRulesFile ${file} cannot be read (${error.code ?? error.message}); the path is relative to ${root}`);
    }
    try {
      rules = lib.checkPullThroughCacheRules(lib.parseRulesFile(text, file), { manageRootPrefix });
    } catch (error) {
      throw new RulesError(`${file}:\n  ${error.message.split('\n').join('\n  ')}`);
    }
  }
  if (manageOnlyConfiguredRules && rules.length === 0) {
    throw new RulesError(
      'manageOnlyConfiguredRules is true but no rules are configured (pullThroughCacheRulesFile): the sweep would manage nothing; set pullThroughCacheRulesFile or leave manageOnlyConfiguredRules false',
    );
  }
  return { rules, scoped: manageOnlyConfiguredRules };
}

/** PullThroughCacheRuleDockerHub, ...: the prefix's words, with a counter only where two prefixes share them. */
function logicalIds(rules) {
  const used = new Map();
  return rules.map((rule) => {
    const words = rule.ecrRepositoryPrefix.split(/[^a-z0-9]+/).filter(Boolean);
    const base = words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    return n === 1 ? base : `${base}${n}`;
  });
}

/** A credentialArn may keep REGION and ACCOUNT as placeholders: the stack's own region and account replace them. */
function credentialArn(arn) {
  const match = /^arn:([^:]+):secretsmanager:([^:]+):([^:]+):secret:(.+)$/.exec(arn);
  const [, , region, account, name] = match;
  if (region !== 'REGION' && account !== 'ACCOUNT') return arn;
  const r = region === 'REGION' ? '${AWS::Region}' : region;
  const a = account === 'ACCOUNT' ? '${AWS::AccountId}' : account;
  return { 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:${r}:${a}:secret:${name}` };
}

/** The CloudFormation resources of the rules, given the lifecycle policy text the functions apply. */
function buildResources(rules, policyText) {
  const resources = {};
  const ids = logicalIds(rules);
  rules.forEach((rule, i) => {
    const template = `RepositoryCreationTemplate${ids[i]}`;
    // The template exists before the rule, so that the first repository the rule creates already gets the policy.
    resources[template] = {
      Type: 'AWS::ECR::RepositoryCreationTemplate',
      Properties: {
        Prefix: rule.ecrRepositoryPrefix,
        AppliedFor: ['PULL_THROUGH_CACHE'],
        Description: `ecr-lifecycle-manager: lifecycle policy of repositories the ${rule.ecrRepositoryPrefix} pull-through cache creates`,
        // Exactly the text the sweep applies, so that the sweep recognises it as its own.
        LifecyclePolicy: policyText,
      },
    };
    resources[`PullThroughCacheRule${ids[i]}`] = {
      Type: 'AWS::ECR::PullThroughCacheRule',
      DependsOn: [template],
      Properties: {
        EcrRepositoryPrefix: rule.ecrRepositoryPrefix,
        UpstreamRegistry: rule.upstreamRegistry,
        UpstreamRegistryUrl: rule.upstreamRegistryUrl,
        ...(rule.credentialArn ? { CredentialArn: credentialArn(rule.credentialArn) } : {}),
      },
    };
  });
  return resources;
}

const ALL_REPOSITORIES = 'arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/*';

function repositoryArnsFor({ rules, scoped }) {
  const patterns = scoped
    ? rules.map((rule) => `arn:\${AWS::Partition}:ecr:\${AWS::Region}:\${AWS::AccountId}:repository/${rule.ecrRepositoryPrefix}/*`)
    : [ALL_REPOSITORIES];
  return patterns.map((pattern) => ({ 'Fn::Sub': pattern }));
}

function managedPrefixesFor({ rules, scoped }) {
  return scoped ? rules.map((rule) => rule.ecrRepositoryPrefix).join(',') : '';
}

/** Resolves the params and checks the rules; nothing is kept, so each configuration is judged on its own. */
async function resolveRules(resolveVariable) {
  const raw = {};
  for (const name of ['pullThroughCacheRulesFile', 'manageOnlyConfiguredRules', 'manageRootPrefix']) {
    raw[name] = await resolveVariable(`param:${name}`);
  }
  try {
    return { ok: true, config: checkRules(raw) };
  } catch (error) {
    return { ok: false, error };
  }
}

module.exports = {
  checkRules,
  buildResources,
  repositoryArnsFor,
  managedPrefixesFor,
  // The one place a bad rules file stops the command (the others fall back to the unscoped values).
  resources: async ({ resolveVariable }) => {
    const result = await resolveRules(resolveVariable);
    if (!result.ok) throw result.error;
    // The checked lifecycle policy text (deploy/params.js), exactly what the functions apply.
    const policyText = await resolveVariable('self:custom.lifecyclePolicyText');
    return buildResources(result.config.rules, policyText);
  },
  repositoryArns: async ({ resolveVariable }) => {
    const result = await resolveRules(resolveVariable);
    return repositoryArnsFor(result.ok ? result.config : { rules: [], scoped: false });
  },
  MANAGED_PREFIXES: async ({ resolveVariable }) => {
    const result = await resolveRules(resolveVariable);
    return result.ok ? managedPrefixesFor(result.config) : '';
  },
};
