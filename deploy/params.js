'use strict';
// Stage params, checked before anything is packaged or deployed.
//
// serverless.yml reads every configuration value through this file (`${file(deploy/params.js):keepImages}`), so
// `serverless package` and `serverless deploy` stop with one clear message when a param is wrong: keepImages 0 is
// reported as the lifecycle rule ECR would reject, by the same validator (functions/lib/lifecycle-policy.ts) that
// the handlers use before PutLifecyclePolicy, and the environment the functions get is read back through
// functions/lib/config.ts, the handlers' own configuration reader.
//
// Params come from `params.<stage>` / `params.default` in serverless.yml or from `--param="name=value"` on the
// command line, so a value may arrive as a YAML number or boolean or as a string.

const loadTs = require('./load-ts');

/** The project's TypeScript the check relies on, loaded through tsx (the framework runs plain Node). */
function projectValidators() {
  return {
    lifecyclePolicyText: loadTs('functions/lib/lifecycle-policy.ts').lifecyclePolicyText,
    readConfig: loadTs('functions/lib/config.ts').readConfig,
  };
}

// CloudWatch Logs accepts only these retention periods.
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];
// A Distributed Map runs at most 10,000 child executions at once.
const MAX_MAP_CONCURRENCY = 10000;

class ParamError extends Error {
  constructor(message) {
    super(`Invalid stage params: ${message}`);
    this.name = 'ParamError';
    // The framework prints a failing variable source's stack; the message alone is what the user needs.
    this.stack = this.message;
  }
}

function wholeNumber(name, value, min, max = Number.MAX_SAFE_INTEGER) {
  const text = String(value).trim();
  if (!/^\d+$/.test(text)) {
    throw new ParamError(`${name} must be a whole number >= ${min}, got ${JSON.stringify(value)}`);
  }
  const n = Number(text);
  if (n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `${min}..${max}`;
    throw new ParamError(`${name} must be ${range}, got ${n}`);
  }
  return n;
}

function flag(name, value) {
  if (value === true || value === false) return value;
  const text = String(value).trim().toLowerCase();
  if (text === 'true' || text === 'false') return text === 'true';
  throw new ParamError(`${name} must be true or false, got ${JSON.stringify(value)}`);
}

// An alarm notification is an e-mail address (a topic is made for it) or the ARN of an existing standard SNS topic.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

function alarmNotification(value) {
  const text = value === undefined || value === null ? '' : String(value).trim();
  if (text === '') return { email: '', topicArn: '' };
  if (EMAIL.test(text)) return { email: text, topicArn: '' };
  if (TOPIC_ARN.test(text)) return { email: '', topicArn: text };
  throw new ParamError(
    `alarmNotification must be empty, an e-mail address or the ARN of a standard SNS topic (arn:aws:sns:REGION:ACCOUNT:NAME), got ${JSON.stringify(value)}`,
  );
}

const ruleState = (enabled) => (enabled ? 'ENABLED' : 'DISABLED');

function scheduleExpression(value) {
  const text = String(value).trim();
  if (!/^(cron|rate)\(.+\)$/.test(text)) {
    throw new ParamError(`schedule must be an EventBridge cron(...) or rate(...) expression, got ${JSON.stringify(value)}`);
  }
  return text;
}

/**
 * Checks raw params and returns them typed; throws a ParamError naming the problem. Tests pass the validators
 * they import themselves.
 */
function checkParams(raw, { lifecyclePolicyText, readConfig } = projectValidators()) {
  const keepImages = wholeNumber('keepImages', raw.keepImages, 0);
  // keepImages becomes the lifecycle rule's countNumber: ask the policy validator, so that the message names the
  // rule ECR would reject (keepImages 0 -> "rule 1: countNumber must be an integer >= 1").
  let policyText;
  try {
    policyText = lifecyclePolicyText(keepImages);
  } catch (error) {
    throw new ParamError(error.message);
  }
  const params = {
    dryRun: flag('dryRun', raw.dryRun),
    keepImages,
    unpulledDays: wholeNumber('unpulledDays', raw.unpulledDays, 0),
    manageRootPrefix: flag('manageRootPrefix', raw.manageRootPrefix),
    maxConcurrency: wholeNumber('maxConcurrency', raw.maxConcurrency, 1, MAX_MAP_CONCURRENCY),
    schedule: scheduleExpression(raw.schedule),
    logRetentionInDays: wholeNumber('logRetentionInDays', raw.logRetentionInDays, 1),
    cloudTrailEvents: flag('cloudTrailEvents', raw.cloudTrailEvents),
    pullThroughCacheEvents: flag('pullThroughCacheEvents', raw.pullThroughCacheEvents),
    alarmNotification: alarmNotification(raw.alarmNotification),
    policyText,
  };
  if (!LOG_RETENTION_DAYS.includes(params.logRetentionInDays)) {
    throw new ParamError(
      `logRetentionInDays must be one of CloudWatch Logs' periods (${LOG_RETENTION_DAYS.join(', ')}), got ${params.logRetentionInDays}`,
    );
  }
  // The environment the functions get, read back through the handlers' own reader: if it would refuse the
  // values at run time, refuse them now.
  try {
    readConfig(environment(params));
  } catch (error) {
    throw new ParamError(error.message);
  }
  return params;
}

/** Lambda environment variables are strings. */
function environment(params) {
  return {
    DRY_RUN: String(params.dryRun),
    KEEP_IMAGES: String(params.keepImages),
    UNPULLED_DAYS: String(params.unpulledDays),
    MANAGE_ROOT_PREFIX: String(params.manageRootPrefix),
    MAX_CONCURRENCY: String(params.maxConcurrency),
  };
}

const NAMES = [
  'dryRun',
  'keepImages',
  'unpulledDays',
  'manageRootPrefix',
  'maxConcurrency',
  'schedule',
  'logRetentionInDays',
  'cloudTrailEvents',
  'pullThroughCacheEvents',
  'alarmNotification',
];

/** Resolves every param and checks them together; nothing is kept, so each configuration is judged on its own. */
async function resolveParams(resolveVariable) {
  const raw = {};
  for (const name of NAMES) raw[name] = await resolveVariable(`param:${name}`);
  try {
    return { ok: true, params: checkParams(raw) };
  } catch (error) {
    return { ok: false, error, raw };
  }
}

const exported = { checkParams, environment };

// `${file(deploy/params.js):lifecyclePolicyText}` is the one place a bad param stops the command, so the user gets
// the message once: it resolves to the policy text the functions will apply.
exported.lifecyclePolicyText = async ({ resolveVariable }) => {
  const result = await resolveParams(resolveVariable);
  if (!result.ok) throw result.error;
  return result.params.policyText;
};

// The values themselves. When a param is bad they fall back to its raw text; the command fails anyway, at
// lifecyclePolicyText above.
for (const [key, pick] of Object.entries({
  DRY_RUN: [(p) => environment(p).DRY_RUN, 'dryRun'],
  KEEP_IMAGES: [(p) => environment(p).KEEP_IMAGES, 'keepImages'],
  UNPULLED_DAYS: [(p) => environment(p).UNPULLED_DAYS, 'unpulledDays'],
  MANAGE_ROOT_PREFIX: [(p) => environment(p).MANAGE_ROOT_PREFIX, 'manageRootPrefix'],
  MAX_CONCURRENCY: [(p) => environment(p).MAX_CONCURRENCY, 'maxConcurrency'],
  schedule: [(p) => p.schedule, 'schedule'],
  logRetentionInDays: [(p) => p.logRetentionInDays, 'logRetentionInDays'],
  // EventBridge rule states: a rule switched off by its param stays in the stack, DISABLED.
  cloudTrailRuleState: [(p) => ruleState(p.cloudTrailEvents), 'cloudTrailEvents'],
  pullThroughCacheRuleState: [(p) => ruleState(p.pullThroughCacheEvents), 'pullThroughCacheEvents'],
  // Defaults of the stack parameters the alarm notification's conditions read ('' = not used).
  alarmEmail: [(p) => p.alarmNotification.email, 'alarmNotification'],
  alarmTopicArn: [(p) => p.alarmNotification.topicArn, 'alarmNotification'],
})) {
  const [fromChecked, name] = pick;
  exported[key] = async ({ resolveVariable }) => {
    const result = await resolveParams(resolveVariable);
    return result.ok ? fromChecked(result.params) : String(result.raw[name]);
  };
}

module.exports = exported;
