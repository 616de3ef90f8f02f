// The run settings' road from packaging to a Lambda: packaging writes them into each function's environment as one
// JSON variable, and the function reads them back at cold start through the same checks the stage settings and the
// settings file went through, so a value no check would accept never reaches a step.
import { z } from 'zod';
import { checkRepositorySettings, settingsFileText } from './repository-settings';
import { RUN_SETTING_NAMES, SETTINGS, SettingsError, type RunSettings } from './settings';

/** The Lambda environment variable that carries the run settings. */
export const RUN_SETTINGS_VARIABLE = 'ECR_LIFECYCLE_SETTINGS';

const runSchema = z.strictObject({
  stage: z.string().min(1),
  ...Object.fromEntries(RUN_SETTING_NAMES.map((name) => [name, SETTINGS[name].type as z.ZodType])),
  managedPrefixes: z.array(z.string()),
  repositorySettings: z.unknown(),
});

export function runSettingsEnvironment(settings: RunSettings): Record<string, string> {
  const { repositorySettings, ...run } = settings;
  // The settings file travels in its compact form: Lambda allows 4 KB for all of a function's variables.
  return { [RUN_SETTINGS_VARIABLE]: JSON.stringify({ ...run, repositorySettings: JSON.parse(settingsFileText(repositorySettings)) }) };
}

/** A Lambda's run settings, read once at cold start from what packaging wrote; a missing or bad value is refused. */
export function readRunSettings(env: NodeJS.ProcessEnv = process.env): RunSettings {
  const value = env[RUN_SETTINGS_VARIABLE];
  let json: unknown;
  try {
    json = JSON.parse(value ?? '');
  } catch {
    throw new SettingsError([`${RUN_SETTINGS_VARIABLE} must hold the run settings as JSON, got ${JSON.stringify(value)}`]);
  }
  const parsed = runSchema.safeParse(json);
  if (!parsed.success) {
    throw new SettingsError(parsed.error.issues.map((issue) => `${RUN_SETTINGS_VARIABLE}.${issue.path.join('.')}: ${issue.message}`));
  }
  const repositorySettings = checkRepositorySettings(parsed.data.repositorySettings ?? {}, `${RUN_SETTINGS_VARIABLE}.repositorySettings`);
  return { ...parsed.data, repositorySettings } as unknown as RunSettings;
}
