// Everything serverless.yml derives from a stage's settings: the Lambda environment, the schedule, the log retention,
// the EventBridge rule states, the alarm defaults, the IAM roles (from the permissions the steps declare) and the
// pull-through cache rules with their creation templates. The raw settings (--param, params.<stage>, params.default)
// are checked once per configuration by functions/lib/settings.ts; every problem, a stage name too long for AWS's
// name limits included, stops `serverless package` and `deploy` in one message.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lifecyclePolicyText } from '../functions/lib/lifecycle-policy';
import { checkPullThroughCacheRules, CREDENTIAL_SECRET_PREFIX, parseRulesFile, type CheckedRule } from '../functions/lib/pull-through-cache-rules';
import { readsManifests, type Permission, type PermissionScope } from '../functions/lib/step';
import { lambdaEnvironmentProblems, parseSettingsFile, prefixSettings } from '../functions/lib/repository-settings';
import { parseSettings, runSettings, type RunSettings, SettingsError, type Settings, type SettingsFile } from '../functions/lib/settings';
import { runSettingsEnvironment } from '../functions/lib/run-settings';
import { STEPS, WORKFLOW_STEPS } from '../functions/steps';
import { SERVICE_NAME } from '../functions/lib/logger';

const PROJECT_ROOT = path.join(__dirname, '..');

/** What the framework knows of the configuration being packaged. */
export interface Configuration {
  service: string;
  stage: string;
  /** serverless.yml's `params` block: `default` and one block per stage. */
  params?: Record<string, unknown> | null;
  /** The `--param name=value` options. */
  cliParams?: string[];
  /** The keys of serverless.yml's `functions`. */
  functionKeys: string[];
  stateMachineName: string;
}

export interface Derived {
  environment: Record<string, string>;
  logRetentionInDays: number;
  schedule: string;
  cloudTrailRuleState: RuleState;
  pullThroughCacheRuleState: RuleState;
  /** Defaults of the stack parameters the alarm conditions read ('' = not used). */
  alarmEmail: string;
  alarmTopicArn: string;
  /** The workflow functions the state machine invokes, and their versions. */
  invokedFunctionArns: unknown[];
  /**
   * The functions' IAM roles, the exclusions from pull time updates of those that read manifests, and the configured
   * pull-through cache rules: one item of serverless.yml's resources.
   */
  resources: Record<string, unknown>;
  /** The exclusions' logical ids: the state machine waits for them, so that no sweep reads a manifest before. */
  pullTimeUpdateExclusionIds: string[];
  /** The permissions boundary every role of the stack carries (PERMISSIONS_BOUNDARY_POLICY). */
  permissionsBoundary: unknown;
}

type RuleState = 'ENABLED' | 'DISABLED';

/** The configuration is refused: every problem, one line each. */
export class ConfigurationError extends Error {
  name = 'ConfigurationError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    // The framework prints a failing variable source's stack: the message alone is what the user needs.
    this.stack = this.message;
  }
}

/** The raw settings as the framework ranks them: --param over params.<stage> over params.default. */
export function rawSettings({ params, stage, cliParams = [] }: Pick<Configuration, 'params' | 'stage' | 'cliParams'>) {
  const block = (value: unknown) =>
    typeof value === 'object' && value !== null ? Object.entries(value).filter(([, v]) => v !== null && v !== undefined) : [];
  const fromCli = cliParams.map((item) => [item.slice(0, item.indexOf('=')), item.slice(item.indexOf('=') + 1)]);
  return Object.fromEntries([...block(params?.default), ...block(params?.[stage]), ...fromCli]) as Record<string, unknown>;
}

/** A `--param` name given more than once: refused, as the command line refuses it, rather than the last one winning. */
export function repeatedParamProblems(cliParams: string[] = []): string[] {
  const seen = new Map<string, string>();
  const problems: string[] = [];
  for (const item of cliParams) {
    const name = item.slice(0, item.indexOf('='));
    const earlier = seen.get(name);
    if (earlier !== undefined) problems.push(`--param ${name} is given twice (${earlier}, then ${item}); give it once`);
    else seen.set(name, item);
  }
  return problems;
}

/** AWS's limits on the names this stack gives its resources; log group names (512) never come near theirs. */
const NAME_LIMITS = { lambdaFunction: 64, stateMachine: 80 };

/** The framework's stage pattern (osls's configuration schema, whose check only warns by default). */
const STAGE_NAME = /^[A-Za-z0-9-]+$/;

/**
 * A stage that is not the framework's kind of name, or that makes a resource name longer than AWS allows (with the
 * longest stage that fits every name).
 */
export function stageProblems({ service, stage, functionKeys, stateMachineName }: Configuration): string[] {
  if (!STAGE_NAME.test(stage)) return [`stage ${JSON.stringify(stage)} must be letters, digits and "-", as the framework's stage names are`];
  const names = [
    ...functionKeys.map((key) => ({ what: 'Lambda function name', name: `${service}-${stage}-${key}`, limit: NAME_LIMITS.lambdaFunction })),
    { what: 'state machine name', name: stateMachineName, limit: NAME_LIMITS.stateMachine },
  ];
  const tooLong = names.filter(({ name, limit }) => name.length > limit);
  if (tooLong.length === 0) return [];
  const longestStage = Math.min(...names.map(({ name, limit }) => limit - (name.length - stage.length)));
  const { what, name, limit } = tooLong.sort((a, b) => b.name.length - b.limit - (a.name.length - a.limit))[0];
  return [
    `stage "${stage}" is too long: the ${what} ${name} would be ${name.length} characters, AWS allows ${limit}; use a stage of at most ${longestStage} characters`,
  ];
}

/**
 * The stage problems packaging would find, for a run on this machine named after a stage (`ecr-lifecycle sweep
 * --stage`): the stack's functions are the steps, and its state machine is named as serverless.yml names it.
 */
export function localStageProblems(stage: string): string[] {
  const functionKeys = Object.keys(STEPS);
  return stageProblems({ service: SERVICE_NAME, stage, functionKeys, stateMachineName: `${SERVICE_NAME}-${stage}-sweep` });
}

/** The rules of pullThroughCacheRulesFile, and the prefixes a stack that manages only them is scoped to. */
export function configuredRules(settings: Settings): { rules: CheckedRule[]; managedPrefixes: string[] } {
  const file = settings.pullThroughCacheRulesFile;
  let rules: CheckedRule[] = [];
  if (file !== '') {
    let text: string;
    try {
      text = fs.readFileSync(path.resolve(PROJECT_ROOT, file), 'utf8');
    } catch (error) {
      throw new ConfigurationError([`pullThroughCacheRulesFile ${file} cannot be read (${(error as NodeJS.ErrnoException).code}); the path is relative to ${PROJECT_ROOT}`]);
    }
    try {
      rules = checkPullThroughCacheRules(parseRulesFile(text, file), { manageRootPrefix: settings.manageRootPrefix });
    } catch (error) {
      throw new ConfigurationError((error as Error).message.split('\n').map((problem) => `${file}: ${problem}`));
    }
  }
  if (settings.manageOnlyConfiguredRules && rules.length === 0) {
    throw new ConfigurationError([
      'manageOnlyConfiguredRules is true but pullThroughCacheRulesFile configures no rules: the sweep would manage nothing',
    ]);
  }
  return { rules, managedPrefixes: settings.manageOnlyConfiguredRules ? rules.map((rule) => rule.ecrRepositoryPrefix) : [] };
}

const sub = (text: string) => ({ 'Fn::Sub': text });

/**
 * The customer managed policy every role of the stack carries as its permissions boundary: config/permissions-
 * boundary.json, created once per account by an administrator. The deployer policy (config/deployer-policy.json)
 * lets a deployer create and change the stack's roles only with this boundary, so that no role it makes can be
 * given more than the stack's roles need.
 */
export const PERMISSIONS_BOUNDARY_POLICY = 'ecr-lifecycle-manager-permissions-boundary';
export const permissionsBoundaryArn = () => sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:policy/${PERMISSIONS_BOUNDARY_POLICY}`);
const repositoryArn = (pattern: string) => sub(`arn:\${AWS::Partition}:ecr:\${AWS::Region}:\${AWS::AccountId}:repository/${pattern}`);
const upperFirst = (key: string) => key[0].toUpperCase() + key.slice(1);

/** What each permission scope is granted on; the logical ids are serverless.yml's resources. */
export function scopeResources(managedPrefixes: string[]): Record<PermissionScope, unknown[]> {
  return {
    any: ['*'],
    allRepositories: [repositoryArn('*')],
    managedRepositories: managedPrefixes.length > 0 ? managedPrefixes.map((prefix) => repositoryArn(`${prefix}/*`)) : [repositoryArn('*')],
    sweepStateMachine: [{ Ref: 'SweepStateMachine' }],
    repositoryEventsDeadLetterQueue: [{ 'Fn::GetAtt': ['RepositoryEventsDeadLetterQueue', 'Arn'] }],
    pullThroughCacheServiceLinkedRole: [
      sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/pullthroughcache.ecr.amazonaws.com/AWSServiceRoleForECRPullThroughCache'),
    ],
    pullThroughCacheCredentials: [sub(`arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${CREDENTIAL_SECRET_PREFIX}*`)],
  };
}

/** One role per step (<Name>Role, which serverless.yml's `role:` names): its declared permissions and its own logs. */
export function stepRoles(steps: { name: string; permissions: Permission[] }[], scopes: Record<PermissionScope, unknown[]>) {
  const allow = (actions: string[], resources: unknown[], condition?: Permission['condition']) => ({
    Effect: 'Allow',
    Action: actions,
    Resource: resources,
    ...(condition ? { Condition: condition } : {}),
  });
  return Object.fromEntries(
    steps.map(({ name, permissions }) => [
      `${upperFirst(name)}Role`,
      {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
          },
          PermissionsBoundary: permissionsBoundaryArn(),
          Policies: [
            {
              PolicyName: name,
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  // The framework names a function's log group <Name>LogGroup.
                  allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [{ 'Fn::GetAtt': [`${upperFirst(name)}LogGroup`, 'Arn'] }]),
                  ...permissions.map(({ actions, on, condition }) => allow(actions, scopes[on], condition)),
                ],
              },
            },
          ],
        },
      },
    ]),
  );
}

/**
 * The roles of the steps that read manifests (BatchGetImage), excluded from pull time updates: ECR records no pull
 * when they read one, so that reading manifests never makes an image look pulled (FACTS.md).
 */
export function pullTimeUpdateExclusions(steps: { name: string; permissions: Permission[] }[]): Record<string, unknown> {
  return Object.fromEntries(
    steps.filter(readsManifests).map(({ name }) => [
      `${upperFirst(name)}PullTimeUpdateExclusion`,
      { Type: 'AWS::ECR::PullTimeUpdateExclusion', Properties: { PrincipalArn: { 'Fn::GetAtt': [`${upperFirst(name)}Role`, 'Arn'] } } },
    ]),
  );
}

/** PullThroughCacheRuleDockerHub, ...: the prefix's words, with a counter only where two prefixes share them. */
function logicalIds(rules: CheckedRule[]): string[] {
  const used = new Map<string, number>();
  return rules.map((rule) => {
    const base = rule.ecrRepositoryPrefix.split(/[^a-z0-9]+/).filter(Boolean).map(upperFirst).join('');
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    return n === 1 ? base : `${base}${n}`;
  });
}

/** A credentialArn may keep REGION and ACCOUNT as placeholders: the stack's own region and account replace them. */
function credentialArn(arn: string): unknown {
  const [, , , region, account, , ...name] = arn.split(':');
  if (region !== 'REGION' && account !== 'ACCOUNT') return arn;
  const r = region === 'REGION' ? '${AWS::Region}' : region;
  const a = account === 'ACCOUNT' ? '${AWS::AccountId}' : account;
  return sub(`arn:\${AWS::Partition}:secretsmanager:${r}:${a}:secret:${name.join(':')}`);
}

/**
 * Each rule with the repository creation template that gives its repositories their prefix's policy text. A rule
 * is a Custom::PullThroughCacheRule (functions/steps/pull-through-cache-rule.ts), which adopts a rule the registry
 * has for its prefix already and changes credentials in place. `retainRules` keeps the rules when the stack is
 * removed or a rule's prefix changes: clusters pull through them, and a deleted rule fails every pull of an image
 * not yet cached; the next deploy adopts them again. The templates always go with the stack: kept, they would go on
 * giving new repositories this tool's policy after the tool is gone. The credentials' secrets are never the stack's
 * (docs/pull-through-cache-rules.md): they stay either way.
 */
export function pullThroughCacheRuleResources(
  rules: CheckedRule[],
  policyText: (ecrRepositoryPrefix: string) => string,
  { retainRules }: { retainRules: boolean },
): Record<string, unknown> {
  const ids = logicalIds(rules);
  const policy = retainRules ? 'Retain' : 'Delete';
  return Object.fromEntries(
    rules.flatMap((rule, i) => {
      const template = `RepositoryCreationTemplate${ids[i]}`;
      return [
        [
          template,
          {
            Type: 'AWS::ECR::RepositoryCreationTemplate',
            Properties: {
              Prefix: rule.ecrRepositoryPrefix,
              AppliedFor: ['PULL_THROUGH_CACHE'],
              Description: `ecr-lifecycle-manager: lifecycle policy of repositories the ${rule.ecrRepositoryPrefix} pull-through cache creates`,
              // Exactly the text the sweep applies to the prefix, so that the sweep recognises it as its own.
              LifecyclePolicy: policyText(rule.ecrRepositoryPrefix),
            },
          },
        ],
        [
          `PullThroughCacheRule${ids[i]}`,
          {
            Type: 'Custom::PullThroughCacheRule',
            DeletionPolicy: policy,
            UpdateReplacePolicy: policy,
            // The template exists before the rule, so that the first repository the rule creates gets the policy.
            DependsOn: [template],
            Properties: {
              ServiceToken: { 'Fn::GetAtt': ['PullThroughCacheRuleLambdaFunction', 'Arn'] },
              EcrRepositoryPrefix: rule.ecrRepositoryPrefix,
              UpstreamRegistryUrl: rule.upstreamRegistryUrl,
              ...(rule.credentialArn ? { CredentialArn: credentialArn(rule.credentialArn) } : {}),
            },
          },
        ],
      ];
    }),
  );
}

// An e-mail address gets a topic of the stack; anything else alarmNotification accepts is a topic ARN.
const isEmail = (notification: string) => notification.includes('@');
const ruleState = (enabled: boolean): RuleState => (enabled ? 'ENABLED' : 'DISABLED');

/** The settings file's per-prefix settings and exclusions, checked; none without a file. */
export function configuredRepositorySettings(settings: Settings): SettingsFile {
  const file = settings.settingsFile;
  if (file === '') return { prefixes: {}, exclude: [] };
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(PROJECT_ROOT, file), 'utf8');
  } catch (error) {
    throw new ConfigurationError([`settingsFile ${file} cannot be read (${(error as NodeJS.ErrnoException).code}); a relative path is relative to ${PROJECT_ROOT}`]);
  }
  try {
    return parseSettingsFile(text, file);
  } catch (error) {
    throw error instanceof SettingsError ? new ConfigurationError(error.problems) : error;
  }
}

/** What the steps read at run time, with the rules of the configuration: every problem of both files at once. */
export function configuredRunSettings(settings: Settings, stage?: string): { run: RunSettings; rules: CheckedRule[] } {
  const problems: string[] = [];
  const attempt = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  };
  const configured = attempt(() => configuredRules(settings));
  const repositorySettings = attempt(() => configuredRepositorySettings(settings));
  if (!configured || !repositorySettings) throw new ConfigurationError(problems);
  return { run: runSettings(settings, configured.managedPrefixes, repositorySettings, stage), rules: configured.rules };
}

/** The functions' environment, or the problem that it is too big for Lambda (the settings file's share named). */
function functionEnvironment(configuration: Configuration, run: RunSettings): { environment: Record<string, string>; problems: string[] } {
  const environment = {
    ...runSettingsEnvironment(run),
    // Powertools reads it at cold start: a function's log level can be changed in the console without a deploy.
    POWERTOOLS_LOG_LEVEL: 'INFO',
    // serverless-esbuild writes source maps; this makes stack traces point at the TypeScript sources.
    NODE_OPTIONS: '--enable-source-maps',
  };
  // startRepositorySweep carries the state machine's ARN too; measured with the longest partition and region.
  const withArn = {
    ...environment,
    STATE_MACHINE_ARN: `arn:aws-us-gov:states:ap-southeast-5:123456789012:stateMachine:${configuration.stateMachineName}`,
  };
  return { environment, problems: lambdaEnvironmentProblems('startRepositorySweep', withArn, run.repositorySettings) };
}

/** Everything serverless.yml derives, or a ConfigurationError naming every problem of the configuration. */
export function derive(configuration: Configuration): Derived {
  const problems = [...stageProblems(configuration), ...repeatedParamProblems(configuration.cliParams)];
  let settings: Settings | undefined;
  let configured: ReturnType<typeof configuredRunSettings> | undefined;
  try {
    settings = parseSettings(rawSettings(configuration));
    configured = configuredRunSettings(settings, configuration.stage);
  } catch (error) {
    if (!(error instanceof SettingsError || error instanceof ConfigurationError)) throw error;
    problems.push(...error.problems);
  }
  const functions = configured ? functionEnvironment(configuration, configured.run) : undefined;
  problems.push(...(functions?.problems ?? []));
  if (!settings || !configured || !functions || problems.length > 0) throw new ConfigurationError(problems);
  const { rules, run } = configured;
  const stage = settings;
  const policyText = (ecrRepositoryPrefix: string) =>
    lifecyclePolicyText(prefixSettings(run.repositorySettings, stage, ecrRepositoryPrefix).keepImages);
  const managedPrefixes = run.managedPrefixes;
  const notification = settings.alarmNotification;
  return {
    environment: functions.environment,
    logRetentionInDays: settings.logRetentionInDays,
    schedule: settings.schedule,
    cloudTrailRuleState: ruleState(settings.cloudTrailEvents),
    pullThroughCacheRuleState: ruleState(settings.pullThroughCacheEvents),
    alarmEmail: isEmail(notification) ? notification : '',
    alarmTopicArn: isEmail(notification) ? '' : notification,
    invokedFunctionArns: Object.keys(WORKFLOW_STEPS).flatMap((key) => {
      const id = `${upperFirst(key)}LambdaFunction`;
      return [{ 'Fn::GetAtt': [id, 'Arn'] }, sub(`\${${id}.Arn}:*`)];
    }),
    pullTimeUpdateExclusionIds: Object.keys(pullTimeUpdateExclusions(Object.values(STEPS))),
    resources: {
      ...stepRoles(Object.values(STEPS), scopeResources(managedPrefixes)),
      ...pullTimeUpdateExclusions(Object.values(STEPS)),
      ...pullThroughCacheRuleResources(rules, policyText, { retainRules: settings.retainPullThroughCacheRules }),
    },
    permissionsBoundary: permissionsBoundaryArn(),
  };
}

interface VariableSource {
  options: { param?: string | string[] };
  resolveConfigurationProperty(path: string[]): Promise<unknown>;
}

/**
 * The framework's variable source, `custom.derived: ${file(deploy/serverless.js)}`: called once per configuration,
 * so a wrong one is reported once.
 */
export async function resolveDerived({ options, resolveConfigurationProperty }: VariableSource): Promise<Derived> {
  const property = (...keys: string[]) => resolveConfigurationProperty(keys);
  return derive({
    service: (await property('service')) as string,
    stage: (await property('provider', 'stage')) as string,
    params: (await property('params')) as Record<string, unknown> | undefined,
    cliParams: ([] as string[]).concat(options.param ?? []),
    functionKeys: Object.keys((await property('functions')) ?? {}),
    stateMachineName: (await property('custom', 'stateMachineName')) as string,
  });
}
