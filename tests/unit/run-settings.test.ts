// The run settings' road from packaging to a Lambda: runSettingsEnvironment writes them into the function's
// environment, readRunSettings reads them back once at cold start, and anything else is refused before a step runs.
import { lambdaStepContext } from '../../functions/lib/handler';
import { SettingsError, parseSettings, runSettings } from '../../functions/lib/settings';
import { RUN_SETTINGS_VARIABLE, readRunSettings, runSettingsEnvironment } from '../../functions/lib/run-settings';

function rejection(env: NodeJS.ProcessEnv): SettingsError {
  try {
    readRunSettings(env);
  } catch (error) {
    return error as SettingsError;
  }
  throw new Error('the run settings were accepted');
}

const repositorySettings = { prefixes: { k8s: { unpulledDays: 0 }, 'docker-hub': { keepImages: 2, keepInUse: true } }, exclude: ['quay/acme/*'] };
const configured = runSettings(
  parseSettings({ dryRun: 'true', keepImages: '3', unpulledDays: '0', keepInUse: 'true', maxConcurrency: '10', manageRootPrefix: 'true' }),
  ['docker-hub', 'k8s'],
  repositorySettings,
  'prod',
);

describe('the run settings in a Lambda environment', () => {
  it('come back exactly as packaging wrote them', () => {
    expect(readRunSettings(runSettingsEnvironment(configured))).toEqual({
      stage: 'prod',
      dryRun: true,
      keepImages: 3,
      unpulledDays: 0,
      keepInUse: true,
      maxConcurrency: 10,
      manageRootPrefix: true,
      managedPrefixes: ['docker-hub', 'k8s'],
      repositorySettings,
    });
  });

  it('carry every default when the stage sets nothing', () => {
    expect(readRunSettings(runSettingsEnvironment(runSettings(parseSettings({}))))).toEqual({
      stage: 'dev',
      dryRun: false,
      keepImages: 1,
      unpulledDays: 30,
      keepInUse: true,
      maxConcurrency: 4,
      manageRootPrefix: false,
      managedPrefixes: [],
      repositorySettings: { prefixes: {}, exclude: [] },
    });
  });

  it('refuse settings-file data that the settings file itself could not hold', () => {
    const env = {
      [RUN_SETTINGS_VARIABLE]: JSON.stringify({ ...configured, repositorySettings: { prefixes: { k8s: { keepImages: 0 } }, exclude: ['a//b'] } }),
    };
    const error = rejection(env);
    expect(error.problems).toEqual([
      expect.stringContaining(`${RUN_SETTINGS_VARIABLE}.repositorySettings: prefixes.k8s.keepImages must be a whole number from 1 to 1000`),
      expect.stringContaining(`${RUN_SETTINGS_VARIABLE}.repositorySettings: exclude[0] "a//b"`),
    ]);
  });

  it('are one variable', () => {
    expect(Object.keys(runSettingsEnvironment(configured))).toEqual([RUN_SETTINGS_VARIABLE]);
  });

  it.each([
    ['missing', {}],
    ['not JSON', { [RUN_SETTINGS_VARIABLE]: 'keepImages=2' }],
  ])('are refused when %s, naming the variable', (_, env) => {
    const error = rejection(env);
    expect(error).toBeInstanceOf(SettingsError);
    expect(error.message).toContain(RUN_SETTINGS_VARIABLE);
  });

  it.each([
    ['keepImages', 0],
    ['keepImages', 1.5],
    ['unpulledDays', -1],
    ['maxConcurrency', 0],
    ['dryRun', 'yes'],
    ['keepInUse', 'yes'],
  ])('are refused with %s=%p, naming the setting', (name, value) => {
    const env = { [RUN_SETTINGS_VARIABLE]: JSON.stringify({ ...configured, [name]: value }) };
    expect(rejection(env).message).toContain(`${RUN_SETTINGS_VARIABLE}.${name}`);
  });

  it('are refused with a setting the steps do not read', () => {
    const env = { [RUN_SETTINGS_VARIABLE]: JSON.stringify({ ...configured, keepimages: 2 }) };
    expect(rejection(env).message).toContain('keepimages');
  });
});

describe("a Lambda step's context", () => {
  it('takes its settings from the environment it is built from', () => {
    const context = lambdaStepContext(runSettingsEnvironment(configured));
    try {
      expect(context.settings).toEqual(configured);
    } finally {
      context.ecr.destroy();
    }
  });

  it('is refused at cold start without run settings, before any step runs', () => {
    expect(() => lambdaStepContext({})).toThrow(RUN_SETTINGS_VARIABLE);
  });
});
