// The stage settings: the one place each setting's name, type, default, range and meaning live. Every road into the
// tool starts here: `serverless package/deploy` (--param, params.<stage>), the command line's --param, and the
// Lambda environment, which carries the settings the steps need as one JSON variable read back by this schema.
import { z } from 'zod';
import { nearestName } from './nearest-name';

// CloudWatch Logs accepts only these retention periods.
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/** Values come as YAML scalars (params.<stage>) or as text (--param name=value): both are read the same way. */
const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value.trim() : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;

const wholeNumber = (min: number, max: number) =>
  z.preprocess((v) => {
    const t = text(v);
    return t !== undefined && /^\d+$/.test(t) ? Number(t) : Number.NaN;
  }, z.number().int().min(min).max(max));

const flag = z.preprocess((v) => {
  const t = text(v)?.toLowerCase();
  return t === 'true' ? true : t === 'false' ? false : undefined;
}, z.boolean());

const string = (check: (t: string) => boolean) => z.preprocess((v) => (v === null ? '' : text(v)), z.string().refine(check));

interface Setting {
  type: z.ZodType;
  default: unknown;
  /** What a valid value is, as the error message and the help say it. */
  expected: string;
  meaning: string;
  /** Whether the workflow's steps read it at run time (it then travels in the Lambda environment). */
  run: boolean;
}

/** ECR lifecycle rules count images as a whole number; 1,000 images is more than any cache keeps. */
export const KEEP_IMAGES = { min: 1, max: 1000 };
/** Ten years: beyond that a pull age means nothing to a cache. */
export const UNPULLED_DAYS = { min: 0, max: 3650 };
/**
 * Child executions of the Distributed Map at once. Each child runs its repositories 10 at a time, so 50 children
 * keep up to 500 Lambda invocations in flight: half an account's default regional concurrency of 1,000.
 */
export const MAX_CONCURRENCY = { min: 1, max: 50 };

export const SETTINGS = {
  dryRun: {
    type: flag,
    default: false,
    expected: 'true or false',
    meaning: 'Deploy-time default for dry runs; an execution can still ask for {"dryRun": true}',
    run: true,
  },
  schedule: {
    type: string((t) => /^(cron|rate)\(.+\)$/.test(t)),
    default: 'cron(0 2 * * ? *)',
    expected: 'an EventBridge cron(...) or rate(...) expression',
    meaning: 'When the daily sweep runs (UTC)',
    run: false,
  },
  keepImages: {
    type: wholeNumber(KEEP_IMAGES.min, KEEP_IMAGES.max),
    default: 1,
    expected: `a whole number from ${KEEP_IMAGES.min} to ${KEEP_IMAGES.max}`,
    meaning: "Images every cached repository keeps (the lifecycle rule's countNumber)",
    run: true,
  },
  unpulledDays: {
    type: wholeNumber(UNPULLED_DAYS.min, UNPULLED_DAYS.max),
    default: 30,
    expected: `a whole number from ${UNPULLED_DAYS.min} to ${UNPULLED_DAYS.max}`,
    meaning: 'Images not pulled (never pulled: not pushed) for this many days are deleted; 0 turns this off',
    run: true,
  },
  keepInUse: {
    type: flag,
    default: true,
    expected: 'true or false',
    meaning:
      "true: a repository's policy keeps at least every tagged image in use (pulled, or pushed, within unpulledDays), so ECR's evaluation expires none of them (an image in use that ECR expired would be fetched from the upstream again at its next pull); false: it keeps keepImages tagged images",
    run: true,
  },
  maxConcurrency: {
    type: wholeNumber(MAX_CONCURRENCY.min, MAX_CONCURRENCY.max),
    default: 4,
    expected: `a whole number from ${MAX_CONCURRENCY.min} to ${MAX_CONCURRENCY.max}`,
    meaning: 'Child executions of the Distributed Map at once',
    run: true,
  },
  manageRootPrefix: {
    type: flag,
    default: false,
    expected: 'true or false',
    meaning: "Whether an ECR-to-ECR rule with prefix ROOT makes every unprefixed repository managed (they look like a team's own)",
    run: true,
  },
  logRetentionInDays: {
    type: wholeNumber(1, 3653).refine((n) => (LOG_RETENTION_DAYS as readonly number[]).includes(n)),
    default: 14,
    expected: `one of CloudWatch Logs' periods (${LOG_RETENTION_DAYS.join(', ')})`,
    meaning: 'Retention of every log group the stack creates',
    run: false,
  },
  pullThroughCacheRulesFile: {
    type: string(() => true),
    default: '',
    expected: 'a path relative to the project, or empty',
    meaning: 'Pull-through cache rules the stack creates (JSON or YAML, docs/pull-through-cache-rules.md); empty for none',
    run: false,
  },
  settingsFile: {
    type: string(() => true),
    default: '',
    expected: 'a path relative to the project or absolute, or empty',
    meaning: 'Per-prefix keepImages, unpulledDays and keepInUse, and repositories never touched (YAML or JSON, see Per-prefix settings); empty for none',
    run: false,
  },
  retainPullThroughCacheRules: {
    type: flag,
    default: true,
    expected: 'true or false',
    meaning: "true: the pull-through cache rules of pullThroughCacheRulesFile stay when the stack is removed (the cache keeps serving); false: they go with it",
    run: false,
  },
  manageOnlyConfiguredRules: {
    type: flag,
    default: false,
    expected: 'true or false',
    meaning: "true: manage only the rules file's prefixes, with ECR permissions scoped to them; false: every rule's",
    run: false,
  },
  cloudTrailEvents: {
    type: flag,
    default: true,
    expected: 'true or false',
    meaning: 'Sweep a repository when CloudTrail records its CreateRepository (needs a trail of management events)',
    run: false,
  },
  pullThroughCacheEvents: {
    type: flag,
    default: true,
    expected: 'true or false',
    meaning: "Sweep a repository on ECR's own pull-through cache action events (at most once a day each)",
    run: false,
  },
  alarmNotification: {
    type: string((t) => t === '' || EMAIL.test(t) || TOPIC_ARN.test(t)),
    default: '',
    expected: 'empty, an e-mail address or the ARN of a standard SNS topic',
    meaning: 'Where the alarms notify: an e-mail address (the stack makes a topic), an SNS topic ARN, or empty',
    run: false,
  },
} satisfies Record<string, Setting>;

export type SettingName = keyof typeof SETTINGS;
export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

export interface Settings {
  dryRun: boolean;
  schedule: string;
  keepImages: number;
  unpulledDays: number;
  keepInUse: boolean;
  maxConcurrency: number;
  manageRootPrefix: boolean;
  logRetentionInDays: number;
  pullThroughCacheRulesFile: string;
  settingsFile: string;
  retainPullThroughCacheRules: boolean;
  manageOnlyConfiguredRules: boolean;
  cloudTrailEvents: boolean;
  pullThroughCacheEvents: boolean;
  alarmNotification: string;
}

/** Every problem of a configuration, one line each. */
export class SettingsError extends Error {
  name = 'SettingsError';
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

/**
 * Checks raw settings (unset ones take their default) and returns them typed; a SettingsError lists every unknown
 * name, with the nearest valid one, and every value out of its range.
 */
export function parseSettings(raw: Record<string, unknown>): Settings {
  const problems: string[] = [];
  const settings: Record<string, unknown> = {};
  for (const name of Object.keys(raw)) {
    if (!(name in SETTINGS)) problems.push(`unknown setting ${name}${suggestion(name)}`);
  }
  for (const name of SETTING_NAMES) {
    const setting: Setting = SETTINGS[name];
    const value = raw[name] ?? setting.default;
    const parsed = setting.type.safeParse(value);
    if (parsed.success) settings[name] = parsed.data;
    else problems.push(`${name} must be ${setting.expected}, got ${JSON.stringify(value)}`);
  }
  if (problems.length > 0) throw new SettingsError(problems);
  return settings as unknown as Settings;
}

function suggestion(name: string): string {
  const nearest = nearestName(name, SETTING_NAMES);
  return nearest ? ` (did you mean ${nearest}?)` : ` (settings: ${SETTING_NAMES.join(', ')})`;
}

/**
 * The stage a run belongs to when none is named: serverless.yml's default (`${opt:stage, 'dev'}`), so that a local
 * run's metric lines carry the dimensions the dashboard of a default deployment draws.
 */
export const DEFAULT_STAGE = 'dev';

/** What the settings file (repository-settings.ts) may set for a prefix; anything left out falls back to the stage setting. */
export interface PrefixSettings {
  keepImages?: number;
  unpulledDays?: number;
  keepInUse?: boolean;
}

/** The settings file, checked: read by repository-settings.ts, carried to the steps in the run settings. */
export interface SettingsFile {
  /** By ecrRepositoryPrefix (or ROOT). */
  prefixes: Record<string, PrefixSettings>;
  /** Repository names and patterns (repository-patterns.ts). */
  exclude: string[];
}

/** What the workflow's steps read at run time (functions/lib/run-settings.ts carries it to them). */
export interface RunSettings {
  /** The deployment's stage: a dimension of every metric, so that two stages of one account and region stay apart. */
  stage: string;
  dryRun: boolean;
  keepImages: number;
  unpulledDays: number;
  keepInUse: boolean;
  maxConcurrency: number;
  manageRootPrefix: boolean;
  /** The prefixes the stack manages when it manages only its own rules; empty: every pull-through cache rule's. */
  managedPrefixes: string[];
  /** The settings file's per-prefix settings and exclusions. */
  repositorySettings: SettingsFile;
}

export const RUN_SETTING_NAMES = SETTING_NAMES.filter((name) => SETTINGS[name].run) as (keyof RunSettings & SettingName)[];

export function runSettings(
  settings: Settings,
  managedPrefixes: string[] = [],
  repositorySettings: SettingsFile = { prefixes: {}, exclude: [] },
  stage: string = DEFAULT_STAGE,
): RunSettings {
  const run = Object.fromEntries(RUN_SETTING_NAMES.map((name) => [name, settings[name]]));
  return { stage, ...run, managedPrefixes, repositorySettings } as unknown as RunSettings;
}
