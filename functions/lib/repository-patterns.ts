// Repository name patterns of the settings file's `exclude` list: what a well-formed one is, and how one matches.
// `*` matches within one path segment (never `/`); a `**` segment matches zero or more whole segments, so
// `ecr-public/**` matches `ecr-public` itself as well as everything under it; any other pattern is an exact name.
import { REPOSITORY_NAME } from './cached-repositories';

/** ECR's longest repository name: a longer pattern without wildcards can match nothing. */
const MAX_NAME_LENGTH = 256;
const PATTERN_CHARACTERS = /^[a-z0-9._/*-]+$/;

/** Why a pattern is malformed (it could match no repository, or means something other than it seems); undefined when it is fine. */
export function repositoryPatternProblem(pattern: unknown): string | undefined {
  if (typeof pattern !== 'string') return `must be a repository name or pattern, got ${JSON.stringify(pattern) ?? String(pattern)}`;
  if (pattern.trim() === '') return 'is empty; give a repository name or pattern';
  if (!PATTERN_CHARACTERS.test(pattern)) {
    const others = [...new Set(pattern.replace(/[a-z0-9._/*-]/g, ''))].map((c) => JSON.stringify(c)).join(' ');
    return `has ${others}, which no repository name has: names are lowercase letters, digits, ".", "_", "-" and "/", and patterns add "*" and "**"`;
  }
  const segments = pattern.split('/');
  if (segments.some((segment) => segment === '')) return 'must not start or end with "/" or hold "//": every part between "/" names something';
  if (segments.some((segment) => segment.includes('**') && segment !== '**')) {
    return '"**" must be a whole part between "/" (e.g. "team/**"); within a part, "*" already matches any characters';
  }
  if (segments.some((segment, i) => segment === '**' && segments[i + 1] === '**')) return 'repeats "**/**", which means no more than "**"';
  if (!pattern.includes('*') && pattern.length > MAX_NAME_LENGTH) return `is ${pattern.length} characters; a repository name has at most ${MAX_NAME_LENGTH}`;
  // Wildcards stand for letters here: if even that is no repository name, the literal parts already break ECR's rules.
  if (!REPOSITORY_NAME.test(pattern.replace(/\*+/g, 'a'))) {
    return 'can match no repository name: each part between "/" starts and ends with a letter or digit, its words joined by single ".", "_" or "-"';
  }
  return undefined;
}

/** The pattern as a regular expression over a whole repository name; the pattern must be well-formed. */
export function compileRepositoryPattern(pattern: string): RegExp {
  const segments = pattern.split('/');
  const source = segments
    .map((segment, i) => {
      const first = i === 0;
      const last = i === segments.length - 1;
      if (segment === '**') {
        if (first && last) return '.*';
        if (last) return '(?:/[^/]+)*';
        return first ? '(?:[^/]+/)*' : '/(?:[^/]+/)*';
      }
      const glob = segment.replace(/[.]/g, '\\.').replace(/\*/g, '[^/]*');
      return first || segments[i - 1] === '**' ? glob : `/${glob}`;
    })
    .join('');
  return new RegExp(`^${source}$`);
}
