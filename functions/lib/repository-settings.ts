// The settings file (stage setting `settingsFile`): per pull-through cache prefix `keepImages`, `unpulledDays` and
// `keepInUse`, and repositories the tool never touches. One checker serves the file as written (YAML or JSON) and the compact
// JSON text of it that travels in the Lambda environment, so every road refuses the same things the same way.
import { parseDocument } from 'yaml';
import { ECR_REPOSITORY_PREFIX, ROOT_PREFIX, cachePrefixOf } from './cached-repositories';
import { isObject, jsonFileProblem } from './json';
import { nearestName } from './nearest-name';
import { compileRepositoryPattern, repositoryPatternProblem } from './repository-patterns';
import { SETTINGS, SettingsError, type PrefixSettings, type RunSettings, type Settings, type SettingsFile } from './settings';

/** How the sweep treats one cached repository. */
export type RepositorySettings =
  | { excluded: true; pattern: string }
  | ({ excluded: false; ecrRepositoryPrefix: string } & Required<PrefixSettings>);

/** The stage settings a prefix may set for itself. */
type StagePrefixSettings = Pick<Settings, 'keepImages' | 'unpulledDays' | 'keepInUse'>;

const PREFIX_SETTINGS = ['keepImages', 'unpulledDays', 'keepInUse'] as const;
// `$comment` gives JSON files a place for the note YAML writes with `#`, as in the pull-through cache rules file.
const FILE_FIELDS = ['prefixes', 'exclude', '$comment'];

/** Reads a settings file; an empty file is an empty settings set. Throws a SettingsError listing every problem. */
export function parseSettingsFile(text: string, fileName?: string): SettingsFile {
  const where = (problems: string[]) => (fileName ? problems.map((problem) => `${fileName}: ${problem}`) : problems);
  const notJson = jsonFileProblem(text, fileName);
  if (notJson) throw new SettingsError(where([notJson]));
  const document = parseDocument(text);
  const problems = document.errors.map((error) => {
    const [position] = error.linePos ?? [];
    const at = position ? `line ${position.line}, column ${position.col}: ` : '';
    return error.code === 'DUPLICATE_KEY'
      ? `${at}duplicate key (each key may appear once)`
      : `${at}not YAML or JSON (${error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')})`;
  });
  let settings: SettingsFile = { prefixes: {}, exclude: [] };
  // Duplicate keys leave a readable document: check it too, so one answer lists every problem.
  if (document.errors.every((error) => error.code === 'DUPLICATE_KEY')) {
    try {
      const read = readSettingsFile(document.toJS());
      settings = read.settings;
      problems.push(...read.problems);
    } catch (error) {
      problems.push(`not YAML or JSON (${(error as Error).message})`);
    }
  }
  if (problems.length > 0) throw new SettingsError(where(problems));
  return settings;
}

/** Settings data that did not come from a file (the Lambda environment's): the same checks, `where` naming it. */
export function checkRepositorySettings(data: unknown, where: string): SettingsFile {
  const { settings, problems } = readSettingsFile(data);
  if (problems.length > 0) throw new SettingsError(problems.map((problem) => `${where}: ${problem}`));
  return settings;
}

/** The checked settings as compact JSON: what travels in the Lambda environment, read back by parseSettingsFile. */
export function settingsFileText(settings: SettingsFile): string {
  const { prefixes, exclude } = settings;
  return JSON.stringify({
    ...(Object.keys(prefixes).length > 0 ? { prefixes } : {}),
    ...(exclude.length > 0 ? { exclude } : {}),
  });
}

/**
 * Lambda refuses a function whose environment variables take more than 4 KB in all; measured here as the JSON text
 * of the variables (keys, values and their quoting), which is no less than what Lambda counts.
 */
export const LAMBDA_ENVIRONMENT_BYTES = 4096;

export function lambdaEnvironmentBytes(variables: Record<string, string>): number {
  return Buffer.byteLength(JSON.stringify(variables));
}

/** Packaging's check of one function's environment, naming the settings file's share when it is too big to travel. */
export function lambdaEnvironmentProblems(functionName: string, variables: Record<string, string>, settings: SettingsFile): string[] {
  const bytes = lambdaEnvironmentBytes(variables);
  if (bytes <= LAMBDA_ENVIRONMENT_BYTES) return [];
  const settingsBytes = Buffer.byteLength(settingsFileText(settings));
  return [
    `settingsFile is too big to travel to the Lambda functions: ${functionName}'s environment would be ${bytes} bytes, over Lambda's ` +
      `limit of ${LAMBDA_ENVIRONMENT_BYTES} bytes for all of a function's variables, of which the settings take ${settingsBytes}; ` +
      `shorten the file by at least ${bytes - LAMBDA_ENVIRONMENT_BYTES} bytes (one "**" pattern can stand for many names, ` +
      'and a prefix that only repeats the stage settings can go)',
  ];
}

/**
 * The settings of each cached repository: an excluded repository is left alone whatever else applies; any other
 * belongs to the longest of the run's prefixes it lies under (ROOT, when the run manages it, holds the rest) and
 * takes that prefix's settings, the stage's where the prefix sets none. Undefined: not a cached repository.
 */
export function repositorySettingsResolver(
  settings: SettingsFile,
  stage: StagePrefixSettings,
  ecrRepositoryPrefixes: readonly string[],
): (repositoryName: string) => RepositorySettings | undefined {
  const exclusions = settings.exclude.map((pattern) => ({ pattern, regExp: compileRepositoryPattern(pattern) }));
  return (repositoryName) => {
    const ecrRepositoryPrefix = cachePrefixOf(repositoryName, ecrRepositoryPrefixes);
    if (ecrRepositoryPrefix === undefined) return undefined;
    const exclusion = exclusions.find(({ regExp }) => regExp.test(repositoryName));
    if (exclusion) return { excluded: true, pattern: exclusion.pattern };
    return { excluded: false, ecrRepositoryPrefix, ...prefixSettings(settings, stage, ecrRepositoryPrefix) };
  };
}

/**
 * One repository's settings in a run, for the per-repository steps: the settings file's exclusions and its prefix's
 * values over the stage's. A repository under none of the run's prefixes (never listed as cached) takes the stage's.
 */
export function settingsOfRepository(run: RunSettings, ecrRepositoryPrefixes: readonly string[], repositoryName: string): RepositorySettings {
  return (
    repositorySettingsResolver(run.repositorySettings, run, ecrRepositoryPrefixes)(repositoryName) ?? {
      excluded: false,
      ecrRepositoryPrefix: '',
      keepImages: run.keepImages,
      unpulledDays: run.unpulledDays,
      keepInUse: run.keepInUse,
    }
  );
}

/** A prefix's settings, the stage's where the file sets none: for its repositories, its creation template, `policy --prefix`. */
export function prefixSettings(
  settings: SettingsFile,
  stage: StagePrefixSettings,
  ecrRepositoryPrefix: string,
): Required<PrefixSettings> {
  const own = settings.prefixes[ecrRepositoryPrefix] ?? {};
  return {
    keepImages: own.keepImages ?? stage.keepImages,
    unpulledDays: own.unpulledDays ?? stage.unpulledDays,
    keepInUse: own.keepInUse ?? stage.keepInUse,
  };
}

/** The file's prefixes no pull-through cache rule of the run has: a warning, since rules may be made elsewhere. */
export function prefixesWithoutRule(settings: SettingsFile, ecrRepositoryPrefixes: readonly string[]): string[] {
  return Object.keys(settings.prefixes).filter((prefix) => !ecrRepositoryPrefixes.includes(prefix));
}

/** A field the file may not have: the one meant when a known field is near, else what the file may have. */
function unknownField(field: string, known: readonly string[], fields: string): string {
  const nearest = nearestName(field, known);
  return `unknown field ${JSON.stringify(field)}${nearest ? ` (did you mean ${nearest}?)` : `; ${fields}`}`;
}

/** The settings in data read from a file or from the environment, and every problem with them. */
function readSettingsFile(data: unknown): { settings: SettingsFile; problems: string[] } {
  const settings: SettingsFile = { prefixes: {}, exclude: [] };
  const problems: string[] = [];
  if (data === null || data === undefined) return { settings, problems };
  if (!isObject(data)) return { settings, problems: [`the settings file must be a mapping with prefixes and exclude, got ${shown(data)}`] };
  for (const field of Object.keys(data).filter((name) => !FILE_FIELDS.includes(name))) {
    problems.push(unknownField(field, ['prefixes', 'exclude'], 'a settings file has prefixes and exclude'));
  }
  if (data.$comment !== undefined && typeof data.$comment !== 'string') problems.push(`$comment must be text, got ${shown(data.$comment)}`);
  readPrefixes(data.prefixes, settings.prefixes, problems);
  readExclude(data.exclude, settings.exclude, problems);
  return { settings, problems };
}

function readPrefixes(data: unknown, prefixes: SettingsFile['prefixes'], problems: string[]): void {
  if (data === null || data === undefined) return;
  if (!isObject(data)) {
    problems.push(`prefixes must be a mapping of pull-through cache prefixes to their settings, got ${shown(data)}`);
    return;
  }
  for (const [prefix, own] of Object.entries(data)) {
    const at = /^[\w./-]+$/.test(prefix) ? `prefixes.${prefix}` : `prefixes[${JSON.stringify(prefix)}]`;
    if (prefix !== ROOT_PREFIX && !ECR_REPOSITORY_PREFIX.test(prefix)) {
      problems.push(`${at} is not a pull-through cache prefix: an ecrRepositoryPrefix is 2..30 lowercase letters, digits, ".", "_", "/" and "-", or ${ROOT_PREFIX}`);
    }
    prefixes[prefix] = {};
    if (own === null || own === undefined) continue;
    if (!isObject(own)) {
      problems.push(`${at} must be a mapping with ${PREFIX_SETTINGS.join(', ')} (any of them), got ${shown(own)}`);
      continue;
    }
    for (const [field, value] of Object.entries(own)) {
      const name = PREFIX_SETTINGS.find((known) => known === field);
      if (name === undefined) {
        problems.push(`${at}: ${unknownField(field, PREFIX_SETTINGS, `a prefix has ${PREFIX_SETTINGS.join(', ')}`)}`);
        continue;
      }
      // A file states types: "3" is text, not the number 3 (the stage settings read text, since --param gives text).
      const parsed = typeof value === typeof SETTINGS[name].default ? SETTINGS[name].type.safeParse(value) : undefined;
      if (parsed?.success) Object.assign(prefixes[prefix], { [name]: parsed.data });
      else problems.push(`${at}.${name} must be ${SETTINGS[name].expected}, got ${shown(value)}`);
    }
  }
}

function readExclude(data: unknown, exclude: string[], problems: string[]): void {
  if (data === null || data === undefined) return;
  if (!Array.isArray(data)) {
    problems.push(`exclude must be a list of repository names and patterns, got ${shown(data)}`);
    return;
  }
  data.forEach((pattern: unknown, index) => {
    const problem = repositoryPatternProblem(pattern);
    if (problem) problems.push(`exclude[${index}] ${typeof pattern === 'string' ? `${JSON.stringify(pattern)} ` : ''}${problem}`);
    else exclude.push(pattern as string);
  });
}

function shown(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (isObject(value)) return 'a mapping';
  return JSON.stringify(value) ?? String(value);
}
