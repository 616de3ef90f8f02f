// What deploy/derived.ts gives serverless.yml, tested without packaging: which raw settings win, every setting at its
// bounds and one past them, the stage name limit, the IAM roles generated from the steps' declared permissions, and
// the pull-through cache rules. The packaged template is checked in template.test.ts and settings.test.ts.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lifecyclePolicyText } from '../../functions/lib/lifecycle-policy';
import { checkPullThroughCacheRules } from '../../functions/lib/pull-through-cache-rules';
import { DEFAULT_STAGE, KEEP_IMAGES, MAX_CONCURRENCY, SETTINGS, UNPULLED_DAYS, type SettingName } from '../../functions/lib/settings';
import { readRunSettings } from '../../functions/lib/run-settings';
import { STEPS, WORKFLOW_STEPS } from '../../functions/steps';
import {
  derive,
  ConfigurationError,
  pullThroughCacheRuleResources,
  rawSettings,
  scopeResources,
  localStageProblems,
  repeatedParamProblems,
  stageProblems,
  stepRoles,
  type Configuration,
} from '../../deploy/derived';
import { expectedRunSettings } from './serverless';

const EXAMPLE = 'config/pull-through-cache-rules.example.json';
const PREFIXES = ['docker-hub', 'ecr-public', 'quay', 'k8s', 'github'];
const SERVICE = 'ecr-lifecycle-manager';
const FUNCTION_KEYS = Object.keys(STEPS);

function configuration(stage: string, cliParams: string[] = [], params?: Configuration['params']): Configuration {
  return { service: SERVICE, stage, cliParams, params, functionKeys: FUNCTION_KEYS, stateMachineName: `${SERVICE}-${stage}-sweep` };
}
const withParams = (params: Record<string, string | number | boolean>) =>
  configuration('dev', Object.entries(params).map(([k, v]) => `${k}=${v}`));
const runSettingsOf = (params: Record<string, string | number | boolean>) => readRunSettings(derive(withParams(params)).environment);

/** The problems a configuration is refused with. */
function problemsOf(config: Configuration): string[] {
  try {
    derive(config);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  throw new Error('the configuration was accepted');
}

describe('the raw settings', () => {
  test('refuses a --param name given twice, as the command line does, rather than taking the last', () => {
    expect(() => derive(configuration('dev', ['keepImages=2', 'unpulledDays=9', 'keepImages=3']))).toThrow(
      '--param keepImages is given twice (keepImages=2, then keepImages=3); give it once',
    );
    expect(repeatedParamProblems(['keepImages=2', 'unpulledDays=9'])).toEqual([]);
  });

  test('--param wins over params.<stage>, which wins over params.default', () => {
    const params = { default: { keepImages: 3, unpulledDays: 7, dryRun: true }, prod: { keepImages: 5, unpulledDays: null } };
    expect(rawSettings({ stage: 'prod', params, cliParams: ['unpulledDays=9'] })).toEqual({ keepImages: 5, unpulledDays: '9', dryRun: true });
    expect(rawSettings({ stage: 'dev', params })).toEqual({ keepImages: 3, unpulledDays: 7, dryRun: true });
  });

  test('keep everything after the first "=" of a --param as its value', () => {
    expect(rawSettings({ stage: 'dev', cliParams: ['schedule=cron(0 2 * * ? *)', 'alarmNotification=a=b@example.com'] })).toEqual({
      schedule: 'cron(0 2 * * ? *)',
      alarmNotification: 'a=b@example.com',
    });
  });

  test('unset, every setting takes its default from the schema', () => {
    expect(runSettingsOf({})).toEqual(expectedRunSettings());
  });
});

/** Each numeric setting's range, as the schema states it. */
const RANGES: [SettingName, { min: number; max: number }][] = [
  ['keepImages', KEEP_IMAGES],
  ['unpulledDays', UNPULLED_DAYS],
  ['maxConcurrency', MAX_CONCURRENCY],
  // CloudWatch Logs' shortest and longest retention periods.
  ['logRetentionInDays', { min: 1, max: 3653 }],
];

describe('a numeric setting', () => {
  test.each(RANGES)('%s is accepted at both bounds', (name, { min, max }) => {
    for (const value of [min, max]) {
      const derived = derive(withParams({ [name]: value }));
      const accepted = name === 'logRetentionInDays' ? derived.logRetentionInDays : (readRunSettings(derived.environment) as never)[name];
      expect({ value, accepted }).toEqual({ value, accepted: value });
    }
  });

  test.each(RANGES)('%s is refused one past either bound, naming the setting and its range', (name, { min, max }) => {
    for (const value of [min - 1, max + 1]) {
      const problems = problemsOf(withParams({ [name]: value }));
      expect(problems).toEqual([`${name} must be ${SETTINGS[name].expected}, got "${value}"`]);
    }
  });

  test('is refused when fractional, huge or not a number', () => {
    expect(problemsOf(withParams({ unpulledDays: '1.5', keepImages: '99999999999999999999', maxConcurrency: 'four' }))).toEqual([
      `keepImages must be ${SETTINGS.keepImages.expected}, got "99999999999999999999"`,
      `unpulledDays must be ${SETTINGS.unpulledDays.expected}, got "1.5"`,
      `maxConcurrency must be ${SETTINGS.maxConcurrency.expected}, got "four"`,
    ]);
  });
});

describe('the other settings', () => {
  test('flags take true and false, and turn the event rules off', () => {
    const derived = derive(withParams({ cloudTrailEvents: 'false', pullThroughCacheEvents: false, dryRun: 'TRUE' }));
    expect([derived.cloudTrailRuleState, derived.pullThroughCacheRuleState]).toEqual(['DISABLED', 'DISABLED']);
    expect(readRunSettings(derived.environment).dryRun).toBe(true);
    expect(derive(withParams({})).cloudTrailRuleState).toBe('ENABLED');
  });

  test.each([
    ['dryRun', 'yes'],
    ['cloudTrailEvents', 'on'],
    ['schedule', 'daily'],
    ['alarmNotification', 'ops'],
    ['alarmNotification', 'arn:aws:sns:eu-west-1:123456789012:alarms.fifo'],
    ['alarmNotification', 'arn:aws:sqs:eu-west-1:123456789012:alarms'],
  ])('%s=%s is refused, naming what is expected', (name, value) => {
    expect(problemsOf(withParams({ [name]: value }))).toEqual([
      `${name} must be ${SETTINGS[name as SettingName].expected}, got ${JSON.stringify(value)}`,
    ]);
  });

  test.each([
    ['', { alarmEmail: '', alarmTopicArn: '' }],
    ['ops@example.com', { alarmEmail: 'ops@example.com', alarmTopicArn: '' }],
    ['arn:aws:sns:eu-west-1:123456789012:ops-alarms', { alarmEmail: '', alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops-alarms' }],
  ])('alarmNotification %j becomes the alarm parameters %j', (value, expected) => {
    const { alarmEmail, alarmTopicArn } = derive(configuration('dev', [], { default: { alarmNotification: value } }));
    expect({ alarmEmail, alarmTopicArn }).toEqual(expected);
  });
});

describe('a configuration', () => {
  test('with misspelt and unknown settings is refused naming each, with the nearest valid name', () => {
    const problems = problemsOf(withParams({ keepimages: 2, unpulleddays: 90, nosuch: 1 }));
    expect(problems).toEqual([
      expect.stringContaining('unknown setting keepimages (did you mean keepImages?)'),
      expect.stringContaining('unknown setting unpulleddays (did you mean unpulledDays?)'),
      expect.stringContaining('unknown setting nosuch'),
    ]);
  });

  test('in a params block is held to the same rules', () => {
    expect(problemsOf(configuration('prod', [], { prod: { keepimages: 2 } }))).toEqual([expect.stringContaining('unknown setting keepimages')]);
  });

  test('is refused with every problem at once, and the message lists them one a line', () => {
    const config = { ...configuration('a-fourteen-chr'), cliParams: ['keepImages=0', 'nosuch=1', 'dryRun=maybe'] };
    const problems = problemsOf(config);
    expect(problems).toHaveLength(4);
    expect(() => derive(config)).toThrow(new ConfigurationError(problems).message);
    expect(new ConfigurationError(problems).message.split('\n')).toHaveLength(5);
  });
});

describe('the stage name', () => {
  const longestKey = FUNCTION_KEYS.reduce((a, b) => (b.length > a.length ? b : a));
  // Lambda function names are at most 64 characters: <service>-<stage>-<function key>.
  const longestStage = 64 - `${SERVICE}--${longestKey}`.length;

  test('may be as long as the longest function name allows', () => {
    expect(stageProblems(configuration('s'.repeat(longestStage)))).toEqual([]);
  });

  test('one character longer is refused, naming the function name and the longest stage allowed', () => {
    const stage = 's'.repeat(longestStage + 1);
    expect(stageProblems(configuration(stage))).toEqual([
      `stage "${stage}" is too long: the Lambda function name ${SERVICE}-${stage}-${longestKey} would be 65 characters, AWS allows 64; use a stage of at most ${longestStage} characters`,
    ]);
  });

  test("defaults to serverless.yml's default stage in local runs too", () => {
    const serverlessYml = fs.readFileSync(path.join(__dirname, '../../serverless.yml'), 'utf8');
    expect(serverlessYml).toContain(`stage: \${opt:stage, '${DEFAULT_STAGE}'}`);
  });

  test("reaches the functions' run settings, whose metrics carry it as a dimension", () => {
    expect(readRunSettings(derive(configuration('prod')).environment).stage).toBe('prod');
    expect(readRunSettings(derive(configuration('dev')).environment).stage).toBe('dev');
  });

  test('is letters, digits and "-", the framework\'s stage names', () => {
    expect(stageProblems(configuration('prod_eu'))).toEqual(['stage "prod_eu" must be letters, digits and "-", as the framework\'s stage names are']);
    expect(stageProblems(configuration('Prod-2'))).toEqual([]);
  });

  test('is checked for a run on this machine as packaging checks it', () => {
    const serverlessYml = fs.readFileSync(path.join(__dirname, '../../serverless.yml'), 'utf8');
    // localStageProblems names the stack's functions and state machine as serverless.yml does.
    expect(serverlessYml).toMatch(new RegExp(`^service: ${SERVICE}$`, 'm'));
    expect(serverlessYml).toContain('stateMachineName: ${self:service}-${sls:stage}-sweep');
    for (const stage of ['prod', 's'.repeat(longestStage), 's'.repeat(longestStage + 1), 'prod_eu', 'this-stage-name-is-way-too-long']) {
      expect(localStageProblems(stage)).toEqual(stageProblems(configuration(stage)));
    }
  });

  test('is held to the state machine name limit (80) too', () => {
    const config = { ...configuration('dev'), functionKeys: [], stateMachineName: 'm'.repeat(81) };
    expect(stageProblems(config)).toEqual([expect.stringContaining('the state machine name mmm')]);
    expect(stageProblems(config)[0]).toContain('use a stage of at most 2 characters');
  });
});

describe('the IAM roles', () => {
  const resolved = (value: unknown) => JSON.stringify(value);

  test('give each step a role named after it with its declared permissions and its own log group', () => {
    const roles = stepRoles(Object.values(STEPS), scopeResources([])) as Record<string, any>;
    expect(Object.keys(roles).sort()).toEqual(FUNCTION_KEYS.map((key) => `${key[0].toUpperCase()}${key.slice(1)}Role`).sort());
    for (const step of Object.values(STEPS)) {
      const id = `${step.name[0].toUpperCase()}${step.name.slice(1)}`;
      const [logs, ...granted] = roles[`${id}Role`].Properties.Policies[0].PolicyDocument.Statement;
      expect(logs.Resource).toEqual([{ 'Fn::GetAtt': [`${id}LogGroup`, 'Arn'] }]);
      expect(granted.map((s: any) => s.Action)).toEqual(step.permissions.map((p) => p.actions));
    }
  });

  test('scope managed repositories to repository/<prefix>/* per configured prefix, and list every repository', () => {
    const { resources } = derive(withParams({ pullThroughCacheRulesFile: EXAMPLE, manageOnlyConfiguredRules: true })) as any;
    const statement = (role: string, action: string) =>
      resources[role].Properties.Policies[0].PolicyDocument.Statement.find((s: any) => s.Action.includes(action));
    const arn = (pattern: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:ecr:\${AWS::Region}:\${AWS::AccountId}:repository/${pattern}` });
    expect(resolved(statement('PutLifecyclePolicyRole', 'ecr:PutLifecyclePolicy').Resource)).toBe(resolved(PREFIXES.map((p) => arn(`${p}/*`))));
    expect(resolved(statement('ListCachedRepositoriesRole', 'ecr:DescribeRepositories').Resource)).toBe(resolved([arn('*')]));
  });

  test('let the state machine invoke exactly the workflow steps and their versions', () => {
    const ids = Object.keys(WORKFLOW_STEPS).map((key) => `${key[0].toUpperCase()}${key.slice(1)}LambdaFunction`);
    expect(derive(withParams({})).invokedFunctionArns).toEqual(
      ids.flatMap((id) => [{ 'Fn::GetAtt': [id, 'Arn'] }, { 'Fn::Sub': `\${${id}.Arn}:*` }]),
    );
  });
});

describe('the pull-through cache rules', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ecr-lifecycle-rules-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('none configured: no resources, every prefix managed', () => {
    const derived = derive(withParams({}));
    expect(Object.values(derived.resources).filter((r: any) => !['AWS::IAM::Role', 'AWS::ECR::PullTimeUpdateExclusion'].includes(r.Type))).toEqual([]);
    expect(readRunSettings(derived.environment).managedPrefixes).toEqual([]);
  });

  test('configured but managing rules made elsewhere too: the rules, yet every prefix managed', () => {
    const derived = derive(withParams({ pullThroughCacheRulesFile: EXAMPLE }));
    expect(Object.values(derived.resources).filter((r: any) => !['AWS::IAM::Role', 'AWS::ECR::PullTimeUpdateExclusion'].includes(r.Type))).toHaveLength(2 * PREFIXES.length);
    expect(readRunSettings(derived.environment).managedPrefixes).toEqual([]);
  });

  test('keep the rules when the stack goes unless retainPullThroughCacheRules=false; the creation templates always go', () => {
    const policies = (params: Record<string, string>) =>
      Object.values(derive(withParams({ pullThroughCacheRulesFile: EXAMPLE, ...params })).resources)
        .filter((r: any) => !['AWS::IAM::Role', 'AWS::ECR::PullTimeUpdateExclusion'].includes(r.Type))
        .map((r: any) => [r.Type, r.DeletionPolicy, r.UpdateReplacePolicy]);
    const rule = (policy: string) => ['Custom::PullThroughCacheRule', policy, policy];
    const template = ['AWS::ECR::RepositoryCreationTemplate', undefined, undefined];
    expect(policies({})).toEqual(PREFIXES.flatMap(() => [template, rule('Retain')]));
    expect(policies({ retainPullThroughCacheRules: 'false' })).toEqual(PREFIXES.flatMap(() => [template, rule('Delete')]));
  });

  test('managing only them: the functions are told the prefixes', () => {
    expect(runSettingsOf({ pullThroughCacheRulesFile: EXAMPLE, manageOnlyConfiguredRules: true }).managedPrefixes).toEqual(PREFIXES);
  });

  test('refuses manageOnlyConfiguredRules without rules: the sweep would manage nothing', () => {
    expect(problemsOf(withParams({ manageOnlyConfiguredRules: true }))).toEqual([
      expect.stringContaining('manageOnlyConfiguredRules is true but pullThroughCacheRulesFile configures no rules'),
    ]);
  });

  test('names a rules file it cannot read', () => {
    expect(problemsOf(withParams({ pullThroughCacheRulesFile: 'config/missing.json' }))).toEqual([
      expect.stringContaining('pullThroughCacheRulesFile config/missing.json cannot be read (ENOENT)'),
    ]);
  });

  test('names every wrong rule of the file, together with a stage too long', () => {
    const file = path.join(tmp, 'wrong.json');
    fs.writeFileSync(file, JSON.stringify([{ ecrRepositoryPrefix: 'gcr', upstreamRegistryUrl: 'gcr.io' }, { ecrRepositoryPrefix: 'ROOT', upstreamRegistryUrl: 'quay.io' }]));
    const problems = problemsOf({ ...withParams({ pullThroughCacheRulesFile: file }), stage: 's'.repeat(30) });
    expect(problems).toEqual([
      expect.stringContaining('stage "sss'),
      expect.stringContaining('pullThroughCacheRules[0] ("gcr"): ECR pull-through cache does not support gcr.io'),
      expect.stringContaining('pullThroughCacheRules[1] ("ROOT")'),
    ]);
  });

  test("carry each prefix's policy text in its creation template, made before its rule", () => {
    const rules = checkPullThroughCacheRules([
      { ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'quay.io' },
      { ecrRepositoryPrefix: 'quay.io', upstreamRegistryUrl: 'quay.io' },
    ]);
    const keep: Record<string, number> = { quay: 2, 'quay.io': 5 };
    const resources = pullThroughCacheRuleResources(rules, (prefix) => lifecyclePolicyText(keep[prefix]), { retainRules: true }) as Record<string, any>;
    expect(Object.keys(resources)).toEqual(['RepositoryCreationTemplateQuay', 'PullThroughCacheRuleQuay', 'RepositoryCreationTemplateQuayIo', 'PullThroughCacheRuleQuayIo']);
    expect(resources.RepositoryCreationTemplateQuay.Properties.LifecyclePolicy).toBe(lifecyclePolicyText(2));
    expect(resources.RepositoryCreationTemplateQuayIo.Properties.LifecyclePolicy).toBe(lifecyclePolicyText(5));
    expect(resources.PullThroughCacheRuleQuay.DependsOn).toEqual(['RepositoryCreationTemplateQuay']);
  });

  test('keep a real credential ARN as it is and fill in REGION and ACCOUNT placeholders', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/docker-hub';
    const rules = checkPullThroughCacheRules([
      { ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io', credentialArn: arn },
      { ecrRepositoryPrefix: 'github', upstreamRegistryUrl: 'ghcr.io', credentialArn: 'arn:aws:secretsmanager:REGION:ACCOUNT:secret:ecr-pullthroughcache/github' },
    ]);
    const resources = pullThroughCacheRuleResources(rules, () => lifecyclePolicyText(1), { retainRules: true }) as Record<string, any>;
    expect(resources.PullThroughCacheRuleDockerHub.Properties.CredentialArn).toBe(arn);
    expect(resources.PullThroughCacheRuleGithub.Properties.CredentialArn).toEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:ecr-pullthroughcache/github',
    });
  });
});

describe('the settings file', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
  const write = (text: string) => {
    dirs.push(fs.mkdtempSync(path.join(os.tmpdir(), 'settings-file-')));
    const file = path.join(dirs[dirs.length - 1], 'settings.yml');
    fs.writeFileSync(file, text);
    return file;
  };

  test("travels to the functions in the run settings, read back by the functions' own reader", () => {
    const file = write('prefixes:\n  docker-hub: { keepImages: 3, unpulledDays: 90 }\n  k8s: { unpulledDays: 0 }\nexclude:\n  - quay/acme/*\n');
    expect(runSettingsOf({ settingsFile: file }).repositorySettings).toEqual({
      prefixes: { 'docker-hub': { keepImages: 3, unpulledDays: 90 }, k8s: { unpulledDays: 0 } },
      exclude: ['quay/acme/*'],
    });
  });

  test("gives each creation template its own prefix's policy, the stage's where the file sets none", () => {
    const file = write('prefixes:\n  docker-hub: { keepImages: 3 }\n');
    const derived = derive(withParams({ settingsFile: file, pullThroughCacheRulesFile: EXAMPLE, keepImages: 2 }));
    const templates = Object.values(derived.resources as Record<string, any>).filter((r) => r.Type === 'AWS::ECR::RepositoryCreationTemplate');
    const byPrefix = Object.fromEntries(templates.map((t) => [t.Properties.Prefix, t.Properties.LifecyclePolicy]));
    expect(byPrefix['docker-hub']).toBe(lifecyclePolicyText(3));
    expect(byPrefix.quay).toBe(lifecyclePolicyText(2));
  });

  test('is refused with every problem of it, and of the rules file, in one message', () => {
    const file = write('prefixes:\n  Docker: { keepImages: 0 }\nexclude: ["quay//x"]\nkeep: 1\n');
    const problems = problemsOf(withParams({ settingsFile: file, pullThroughCacheRulesFile: 'no/such/rules.json' }));
    expect(problems).toEqual([
      expect.stringContaining('pullThroughCacheRulesFile no/such/rules.json cannot be read'),
      expect.stringContaining('unknown field "keep"'),
      expect.stringContaining('prefixes.Docker is not a pull-through cache prefix'),
      expect.stringContaining('prefixes.Docker.keepImages must be a whole number from 1 to 1000, got 0'),
      expect.stringContaining('exclude[0] "quay//x"'),
    ]);
  });

  test('that cannot be read is named', () => {
    expect(problemsOf(withParams({ settingsFile: 'no/such/settings.yml' }))).toEqual([
      expect.stringContaining('settingsFile no/such/settings.yml cannot be read (ENOENT)'),
    ]);
  });

  test('too big for a Lambda environment is refused with the size to lose', () => {
    const exclude = Array.from({ length: 400 }, (_, i) => `  - docker-hub/team-${i}/service-name-${i}`).join('\n');
    const problems = problemsOf(withParams({ settingsFile: write(`exclude:\n${exclude}\n`) }));
    expect(problems).toEqual([expect.stringMatching(/settingsFile is too big .* shorten the file by at least \d+ bytes/)]);
  });
});
