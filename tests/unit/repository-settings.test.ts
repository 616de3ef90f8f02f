import { compileRepositoryPattern, repositoryPatternProblem } from '../../functions/lib/repository-patterns';
import {
  LAMBDA_ENVIRONMENT_BYTES,
  lambdaEnvironmentBytes,
  lambdaEnvironmentProblems,
  parseSettingsFile,
  prefixSettings,
  prefixesWithoutRule,
  repositorySettingsResolver,
  settingsFileText,
} from '../../functions/lib/repository-settings';
import { SettingsError, type SettingsFile } from '../../functions/lib/settings';

function problems(text: string, fileName?: string): string[] {
  try {
    parseSettingsFile(text, fileName);
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return (error as SettingsError).problems;
  }
  throw new Error('the settings file was accepted');
}

const YAML_FILE = `
prefixes:                 # per pull-through cache prefix
  docker-hub: { keepImages: 3, unpulledDays: 90 }
  k8s: { unpulledDays: 0 }            # 0: never expire by pull age
exclude:
  - docker-hub/library/postgres
  - quay/acme/*
  - ecr-public/**
`;

const CHECKED: SettingsFile = {
  prefixes: { 'docker-hub': { keepImages: 3, unpulledDays: 90 }, k8s: { unpulledDays: 0 } },
  exclude: ['docker-hub/library/postgres', 'quay/acme/*', 'ecr-public/**'],
};

describe('reading a settings file', () => {
  it('reads a YAML file', () => {
    expect(parseSettingsFile(YAML_FILE)).toEqual(CHECKED);
  });

  it('reads a JSON file, with a $comment', () => {
    const json = `{
      "$comment": "caches of the build farm",
      "prefixes": {"docker-hub": {"keepImages": 3, "unpulledDays": 90}, "k8s": {"unpulledDays": 0}},
      "exclude": ["docker-hub/library/postgres", "quay/acme/*", "ecr-public/**"]
    }`;
    expect(parseSettingsFile(json)).toEqual(CHECKED);
  });

  it.each([
    ['an empty file', ''],
    ['a file of comments', '# nothing yet\n'],
    ['an empty JSON object', '{}'],
    ['fields left empty', 'prefixes:\nexclude:\n'],
  ])('reads %s as no settings', (_, text) => {
    expect(parseSettingsFile(text)).toEqual({ prefixes: {}, exclude: [] });
  });

  it('takes a prefix left empty as one that sets nothing', () => {
    expect(parseSettingsFile('prefixes:\n  quay:\n')).toEqual({ prefixes: { quay: {} }, exclude: [] });
  });

  it('takes ROOT as a prefix', () => {
    expect(parseSettingsFile('prefixes: { ROOT: { keepImages: 2 } }').prefixes).toEqual({ ROOT: { keepImages: 2 } });
  });

  it('takes the ends of each range', () => {
    expect(parseSettingsFile('prefixes: { a1: { keepImages: 1, unpulledDays: 0 }, b2: { keepImages: 1000, unpulledDays: 3650 } }').prefixes).toEqual({
      a1: { keepImages: 1, unpulledDays: 0 },
      b2: { keepImages: 1000, unpulledDays: 3650 },
    });
  });
});

describe('refusing a settings file', () => {
  it('lists every problem of the file in one answer', () => {
    const text = `
prefix: {}
prefixes:
  Docker_Hub: { keepImages: 3 }
  docker-hub: { keepImages: 0, unpulledDays: -1, keep: 2 }
  k8s: { unpulledDays: 3651, keepInUse: yes }
  quay: 5
exclude:
  - docker-hub/library/Postgres
  - quay/acme/
`;
    expect(problems(text)).toEqual([
      'unknown field "prefix" (did you mean prefixes?)',
      'prefixes.Docker_Hub is not a pull-through cache prefix: an ecrRepositoryPrefix is 2..30 lowercase letters, digits, ".", "_", "/" and "-", or ROOT',
      'prefixes.docker-hub.keepImages must be a whole number from 1 to 1000, got 0',
      'prefixes.docker-hub.unpulledDays must be a whole number from 0 to 3650, got -1',
      'prefixes.docker-hub: unknown field "keep"; a prefix has keepImages, unpulledDays, keepInUse',
      'prefixes.k8s.unpulledDays must be a whole number from 0 to 3650, got 3651',
      'prefixes.k8s.keepInUse must be true or false, got "yes"',
      'prefixes.quay must be a mapping with keepImages, unpulledDays, keepInUse (any of them), got 5',
      'exclude[0] "docker-hub/library/Postgres" has "P", which no repository name has: names are lowercase letters, digits, ".", "_", "-" and "/", and patterns add "*" and "**"',
      'exclude[1] "quay/acme/" must not start or end with "/" or hold "//": every part between "/" names something',
    ]);
  });

  it('names the field meant where a misspelt one is near, and what the file may have where none is', () => {
    expect(problems('excludes: []\nprefixes: { quay: { keepImage: 2, keepInuse: true, count: 1 } }\ncomment: x\n')).toEqual([
      'unknown field "excludes" (did you mean exclude?)',
      'unknown field "comment"; a settings file has prefixes and exclude',
      'prefixes.quay: unknown field "keepImage" (did you mean keepImages?)',
      'prefixes.quay: unknown field "keepInuse" (did you mean keepInUse?)',
      'prefixes.quay: unknown field "count"; a prefix has keepImages, unpulledDays, keepInUse',
    ]);
  });

  it('takes the types a file states: a number written as text, or a flag for a number, is refused', () => {
    expect(problems('prefixes: { docker-hub: { keepImages: "3", unpulledDays: true } }')).toEqual([
      'prefixes.docker-hub.keepImages must be a whole number from 1 to 1000, got "3"',
      'prefixes.docker-hub.unpulledDays must be a whole number from 0 to 3650, got true',
    ]);
    expect(problems('{"prefixes": {"k8s": {"unpulledDays": "0"}}}', 'settings.json')).toEqual([
      'settings.json: prefixes.k8s.unpulledDays must be a whole number from 0 to 3650, got "0"',
    ]);
  });

  it.each([
    ['a trailing comma', '{"prefixes": {"k8s": {"keepImages": 2},}}'],
    ['a comment', '{"prefixes": {}} # keep all'],
    ['unquoted keys', '{prefixes: {}}'],
  ])('reads a .json file as JSON: %s is refused, naming the file', (_, text) => {
    expect(problems(text, 'config/prod.settings.json')).toEqual([expect.stringMatching(/^config\/prod\.settings\.json: not JSON \(.+\)$/)]);
    // The same text in a .yml file is YAML, which accepts it.
    expect(() => parseSettingsFile(text, 'config/prod.settings.yml')).not.toThrow();
  });

  it('names the file in every problem when it is given', () => {
    expect(problems('prefixes: { k8s: { keepImages: 1001 } }\nexclude: [""]', 'settings/prod.yml')).toEqual([
      'settings/prod.yml: prefixes.k8s.keepImages must be a whole number from 1 to 1000, got 1001',
      'settings/prod.yml: exclude[0] "" is empty; give a repository name or pattern',
    ]);
  });

  it.each([
    ['a', 'prefixes.a'],
    ['x'.repeat(31), `prefixes.${'x'.repeat(31)}`],
    ['docker hub', 'prefixes["docker hub"]'],
    ['docker-hub!', 'prefixes["docker-hub!"]'],
  ])('refuses %j as a prefix', (prefix, at) => {
    expect(problems(JSON.stringify({ prefixes: { [prefix]: {} } }))).toEqual([
      `${at} is not a pull-through cache prefix: an ecrRepositoryPrefix is 2..30 lowercase letters, digits, ".", "_", "/" and "-", or ROOT`,
    ]);
  });

  it.each([
    ['2.5', '2.5'],
    ['"three"', '"three"'],
    ['true', 'true'],
    ['null', 'null'],
    ['[3]', 'a list'],
  ])('refuses keepImages %s', (value, got) => {
    expect(problems(`prefixes: { quay: { keepImages: ${value} } }`)).toEqual([`prefixes.quay.keepImages must be a whole number from 1 to 1000, got ${got}`]);
  });

  it.each([
    ['a list', '- prefixes', 'a list'],
    ['a scalar', 'docker-hub', '"docker-hub"'],
  ])('refuses a document that is %s', (_, text, got) => {
    expect(problems(text)).toEqual([`the settings file must be a mapping with prefixes and exclude, got ${got}`]);
  });

  it('refuses prefixes that are not a mapping and exclude that is not a list', () => {
    expect(problems('prefixes: [docker-hub]\nexclude: docker-hub/library/postgres')).toEqual([
      'prefixes must be a mapping of pull-through cache prefixes to their settings, got a list',
      'exclude must be a list of repository names and patterns, got "docker-hub/library/postgres"',
    ]);
  });

  it('refuses a $comment that is not text', () => {
    expect(problems('{"$comment": {"note": 1}}')).toEqual(['$comment must be text, got a mapping']);
  });

  it('refuses a duplicate key in YAML and still checks the rest', () => {
    expect(problems('prefixes:\n  quay: { keepImages: 2 }\n  quay: { keepImages: 0 }\n')).toEqual([
      'line 3, column 3: duplicate key (each key may appear once)',
      'prefixes.quay.keepImages must be a whole number from 1 to 1000, got 0',
    ]);
  });

  it('refuses a duplicate key in JSON', () => {
    expect(problems('{"exclude": ["a1"], "exclude": ["b2"]}')).toEqual(['line 1, column 21: duplicate key (each key may appear once)']);
  });

  it('refuses text that is not YAML or JSON, saying where', () => {
    const [problem, ...others] = problems('exclude: [quay/acme/*\n');
    expect(others).toEqual([]);
    expect(problem).toMatch(/^line 2, column 1: not YAML or JSON \(.+\)$/);
  });
});

describe('malformed exclusion patterns', () => {
  it.each([
    ['', 'is empty; give a repository name or pattern'],
    ['  ', 'is empty; give a repository name or pattern'],
    ['quay/acme:latest', 'has ":", which no repository name has: names are lowercase letters, digits, ".", "_", "-" and "/", and patterns add "*" and "**"'],
    ['quay/acme/?', 'has "?", which no repository name has: names are lowercase letters, digits, ".", "_", "-" and "/", and patterns add "*" and "**"'],
    ['/quay/acme', 'must not start or end with "/" or hold "//": every part between "/" names something'],
    ['quay//acme', 'must not start or end with "/" or hold "//": every part between "/" names something'],
    ['quay/***', '"**" must be a whole part between "/" (e.g. "team/**"); within a part, "*" already matches any characters'],
    ['quay/acme**', '"**" must be a whole part between "/" (e.g. "team/**"); within a part, "*" already matches any characters'],
    ['quay/**/**/app', 'repeats "**/**", which means no more than "**"'],
    ['quay/-acme', 'can match no repository name: each part between "/" starts and ends with a letter or digit, its words joined by single ".", "_" or "-"'],
    ['quay/acme..app', 'can match no repository name: each part between "/" starts and ends with a letter or digit, its words joined by single ".", "_" or "-"'],
    ['quay/*-', 'can match no repository name: each part between "/" starts and ends with a letter or digit, its words joined by single ".", "_" or "-"'],
    [`quay/${'a'.repeat(252)}`, 'is 257 characters; a repository name has at most 256'],
    [42, 'must be a repository name or pattern, got 42'],
    [null, 'must be a repository name or pattern, got null'],
  ])('refuses %j', (pattern, problem) => {
    expect(repositoryPatternProblem(pattern)).toBe(problem);
  });

  it.each(['docker-hub/library/postgres', 'quay/acme/*', 'ecr-public/**', '**/postgres', 'k8s/**/pause', 'quay/*-dev', '**', '*'])('accepts %j', (pattern) => {
    expect(repositoryPatternProblem(pattern)).toBeUndefined();
  });

  it('names a bad pattern and its place in the file', () => {
    expect(problems('exclude: [quay/acme/*, 7]')).toEqual(['exclude[1] must be a repository name or pattern, got 7']);
  });
});

describe('matching repository names', () => {
  const matches = (pattern: string, name: string) => compileRepositoryPattern(pattern).test(name);

  it('matches an exact name only', () => {
    expect(matches('docker-hub/library/postgres', 'docker-hub/library/postgres')).toBe(true);
    expect(matches('docker-hub/library/postgres', 'docker-hub/library/postgres-exporter')).toBe(false);
    expect(matches('docker-hub/library/postgres', 'docker-hub/library')).toBe(false);
  });

  it('reads "." as a dot, not as any character', () => {
    expect(matches('quay/acme.app', 'quay/acme-app')).toBe(false);
  });

  it('matches * within one path segment', () => {
    expect(matches('quay/acme/*', 'quay/acme/api')).toBe(true);
    expect(matches('quay/*-dev', 'quay/api-dev')).toBe(true);
    expect(matches('quay/*-dev', 'quay/api-prod')).toBe(false);
  });

  it('never lets * cross a "/"', () => {
    expect(matches('quay/acme/*', 'quay/acme/api/v2')).toBe(false);
    expect(matches('quay/*/api', 'quay/acme/team/api')).toBe(false);
    expect(matches('*', 'quay/acme')).toBe(false);
  });

  it('matches ** across any number of segments', () => {
    expect(matches('ecr-public/**', 'ecr-public/docker/library/nginx')).toBe(true);
    expect(matches('k8s/**/pause', 'k8s/pause')).toBe(true);
    expect(matches('k8s/**/pause', 'k8s/sig/storage/pause')).toBe(true);
    expect(matches('k8s/**/pause', 'k8s/sig/pause-x')).toBe(false);
    expect(matches('**/postgres', 'docker-hub/library/postgres')).toBe(true);
    expect(matches('**/postgres', 'docker-hub/library/postgresql')).toBe(false);
    expect(matches('**', 'quay/acme/api')).toBe(true);
  });

  it('matches the segment before a trailing ** itself (zero segments)', () => {
    expect(matches('ecr-public/**', 'ecr-public')).toBe(true);
    expect(matches('ecr-public/**', 'ecr-publicity/x')).toBe(false);
  });
});

describe('the settings of each repository', () => {
  const stage = { keepImages: 1, unpulledDays: 30, keepInUse: false };
  const settings = parseSettingsFile(`
prefixes:
  team: { keepImages: 2 }
  team/cache: { keepImages: 5, unpulledDays: 7, keepInUse: true }
  docker-hub: { unpulledDays: 0, keepInUse: false }
  gone: { keepImages: 9 }
exclude:
  - docker-hub/library/postgres
  - team/cache/*/keep
`);
  const settingsOf = repositorySettingsResolver(settings, stage, ['team', 'team/cache', 'docker-hub', 'quay']);

  it('gives a repository the settings of the longest prefix it lies under', () => {
    expect(settingsOf('team/cache/nginx')).toEqual({ excluded: false, ecrRepositoryPrefix: 'team/cache', keepImages: 5, unpulledDays: 7, keepInUse: true });
    expect(settingsOf('team/cachet/nginx')).toEqual({ excluded: false, ecrRepositoryPrefix: 'team', keepImages: 2, unpulledDays: 30, keepInUse: false });
  });

  it('falls back to the stage for what a prefix does not set', () => {
    expect(settingsOf('docker-hub/library/nginx')).toEqual({ excluded: false, ecrRepositoryPrefix: 'docker-hub', keepImages: 1, unpulledDays: 0, keepInUse: false });
    expect(settingsOf('quay/coreos/etcd')).toEqual({ excluded: false, ecrRepositoryPrefix: 'quay', keepImages: 1, unpulledDays: 30, keepInUse: false });
  });

  it('excludes a matching repository whatever its prefix sets', () => {
    expect(settingsOf('docker-hub/library/postgres')).toEqual({ excluded: true, pattern: 'docker-hub/library/postgres' });
    expect(settingsOf('team/cache/acme/keep')).toEqual({ excluded: true, pattern: 'team/cache/*/keep' });
    expect(settingsOf('team/cache/acme/sub/keep')).toEqual({ excluded: false, ecrRepositoryPrefix: 'team/cache', keepImages: 5, unpulledDays: 7, keepInUse: true });
  });

  it('answers nothing for a repository under none of the run\'s prefixes', () => {
    expect(settingsOf('gone/app')).toBeUndefined();
    expect(settingsOf('teamwork/app')).toBeUndefined();
    expect(settingsOf('team')).toBeUndefined();
  });

  it('ignores the settings of a prefix the run has no rule for', () => {
    const onlyTeam = repositorySettingsResolver(settings, stage, ['team']);
    expect(onlyTeam('team/cache/nginx')).toEqual({ excluded: false, ecrRepositoryPrefix: 'team', keepImages: 2, unpulledDays: 30, keepInUse: false });
  });

  it('gives ROOT every repository under no other prefix, when the run manages ROOT', () => {
    const rooted = parseSettingsFile('prefixes: { ROOT: { keepImages: 4 } }\nexclude: [ecr-public/**]');
    const withRoot = repositorySettingsResolver(rooted, stage, ['ROOT', 'quay']);
    expect(withRoot('library/nginx')).toEqual({ excluded: false, ecrRepositoryPrefix: 'ROOT', keepImages: 4, unpulledDays: 30, keepInUse: false });
    expect(withRoot('quay/coreos/etcd')).toEqual({ excluded: false, ecrRepositoryPrefix: 'quay', keepImages: 1, unpulledDays: 30, keepInUse: false });
    expect(withRoot('ecr-public')).toEqual({ excluded: true, pattern: 'ecr-public/**' });
    expect(repositorySettingsResolver(rooted, stage, ['quay'])('library/nginx')).toBeUndefined();
  });

  it('gives a prefix (for its creation template) its own settings, the stage\'s where it sets none', () => {
    expect(prefixSettings(settings, stage, 'team/cache')).toEqual({ keepImages: 5, unpulledDays: 7, keepInUse: true });
    expect(prefixSettings(settings, stage, 'team')).toEqual({ keepImages: 2, unpulledDays: 30, keepInUse: false });
    expect(prefixSettings(settings, stage, 'quay')).toEqual({ keepImages: 1, unpulledDays: 30, keepInUse: false });
  });

  it('names the prefixes of the file that no rule of the run has', () => {
    expect(prefixesWithoutRule(settings, ['team', 'docker-hub', 'quay'])).toEqual(['team/cache', 'gone']);
    expect(prefixesWithoutRule(settings, ['team', 'team/cache', 'docker-hub', 'gone'])).toEqual([]);
  });
});

describe('the settings in the Lambda environment', () => {
  it('travels as compact JSON that reads back to the same settings', () => {
    const text = settingsFileText(CHECKED);
    expect(text).toBe(
      '{"prefixes":{"docker-hub":{"keepImages":3,"unpulledDays":90},"k8s":{"unpulledDays":0}},"exclude":["docker-hub/library/postgres","quay/acme/*","ecr-public/**"]}',
    );
    expect(parseSettingsFile(text)).toEqual(CHECKED);
  });

  it('leaves out what is empty', () => {
    expect(settingsFileText({ prefixes: {}, exclude: [] })).toBe('{}');
    expect(settingsFileText({ prefixes: {}, exclude: ['quay/**'] })).toBe('{"exclude":["quay/**"]}');
  });

  it('is refused on the way back by the same checks as the file', () => {
    expect(problems('{"prefixes":{"k8s":{"keepImages":0}}}', 'ECR_LIFECYCLE_SETTINGS')).toEqual([
      'ECR_LIFECYCLE_SETTINGS: prefixes.k8s.keepImages must be a whole number from 1 to 1000, got 0',
    ]);
  });

  it('measures the variables as Lambda does: keys, values and their JSON quoting', () => {
    expect(lambdaEnvironmentBytes({ A: 'b' })).toBe('{"A":"b"}'.length);
    expect(lambdaEnvironmentBytes({ A: 'é' })).toBe(10);
  });

  it('passes an environment within 4 KB and refuses a bigger one, saying by how much', () => {
    const big: SettingsFile = { prefixes: {}, exclude: Array.from({ length: 200 }, (_, i) => `docker-hub/team-${i}/app`) };
    const variables = (settings: SettingsFile) => ({ ECR_LIFECYCLE_SETTINGS: settingsFileText(settings), POWERTOOLS_SERVICE_NAME: 'ecr-lifecycle-manager' });
    expect(lambdaEnvironmentProblems('checkPolicy', variables(CHECKED), CHECKED)).toEqual([]);

    const bytes = lambdaEnvironmentBytes(variables(big));
    expect(bytes).toBeGreaterThan(LAMBDA_ENVIRONMENT_BYTES);
    const [problem, ...others] = lambdaEnvironmentProblems('checkPolicy', variables(big), big);
    expect(others).toEqual([]);
    expect(problem).toContain(`checkPolicy's environment would be ${bytes} bytes, over Lambda's limit of 4096 bytes`);
    expect(problem).toContain(`the settings take ${settingsFileText(big).length}; shorten the file by at least ${bytes - 4096} bytes`);
  });
});
