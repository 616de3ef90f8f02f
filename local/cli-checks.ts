// Checks of a command line's own arguments, made before anything runs: each answers with the one line the command
// line prints (as `ecr-lifecycle: <line>`, exit 2), or with nothing when the argument is fine.
import { closeSync, constants, openSync, realpathSync, statSync, unlinkSync, type Stats } from 'node:fs';
import path from 'node:path';
import { nearestName } from '../functions/lib/nearest-name';

/** `2026-11-28T00:00:00Z`, `2026-11-28T00:00Z`, `2026-11-28T00:00:00.5+02:00`: a time of day and a zone. */
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * A reference time (`--now`): the shape of an ISO 8601 time with a zone, and a date and time that exist. JavaScript
 * reads 2026-02-30 as 2 March, so the date is rebuilt from its fields and must give the same fields back.
 */
export function referenceTimeProblem(option: string, value: string): string | undefined {
  const match = ISO_TIME.exec(value);
  if (!match) return `${option} ${value}: expected an ISO 8601 time with a zone, e.g. 2026-11-28T00:00:00Z`;
  const [year, month, day, hour, minute, second = 0, zoneHours = 0, zoneMinutes = 0] = match
    .slice(1)
    .map((field) => (field === undefined ? undefined : Number(field))) as number[];
  if (month < 1 || month > 12) return `${option} ${value}: there is no month ${month}`;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (day < 1 || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return `${option} ${value}: ${MONTHS[month - 1]} ${year} has no day ${day}`;
  }
  if (hour > 23 || minute > 59 || second > 59) return `${option} ${value}: not a time of day (hours 00-23, minutes and seconds 00-59)`;
  if (zoneHours > 23 || zoneMinutes > 59) return `${option} ${value}: not a time zone offset`;
  return undefined;
}

/**
 * A reference time later than the clock: pull age judged as of a time that has not come makes images look unpulled
 * that are in use today, so a real sweep of an AWS account refuses it and every other run warns of it. `value` is
 * a valid reference time (referenceTimeProblem).
 */
export function futureReferenceTimeProblem(option: string, value: string, now: Date): string | undefined {
  if (Date.parse(value) <= now.getTime()) return undefined;
  return `${option} ${value}: is in the future (the clock says ${now.toISOString()}); pull age would be judged as of a time that has not come`;
}

/**
 * A file the command will write (`--registry-out`, `--plan`): its folder exists, it is not a folder itself, and
 * this process may write it. Writing is tried for real (an existing file opened, a new one created and removed
 * again), because permission bits do not tell: root writes through them, but not to a read-only file system or
 * into a folder like /sys.
 */
export function outputFileProblem(option: string, file: string): string | undefined {
  const say = (problem: string) => `${option} ${file}: ${problem}`;
  const target = statOrUndefined(file);
  if (target?.isDirectory()) return say('is a folder; give a file name');
  const folder = path.dirname(path.resolve(file));
  let parent: Stats;
  try {
    parent = statSync(folder);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return say(`folder ${folder} does not exist`);
    if (code === 'ENOTDIR') return say(`${folder} is not a folder (part of its path is a file)`);
    return say(`folder ${folder} cannot be reached (${code})`);
  }
  if (!parent.isDirectory()) return say(`${folder} is not a folder`);
  try {
    // An existing file is opened for writing only, without truncating it; a new one is created exclusively.
    closeSync(openSync(file, target ? constants.O_WRONLY : 'wx'));
    if (!target) unlinkSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return say(`no permission to write it (${code})`);
    return say(`cannot be written (${code ?? (error as Error).message})`);
  }
  return undefined;
}

/**
 * Files that must be different files (the registry read and the files written): compared after following links,
 * and by device and inode where both exist, so `./r.json`, an absolute path, a symbolic or a hard link all count
 * as the same file. Unset options are left out.
 */
export function sameFileProblem(files: [option: string, file: string | undefined][]): string | undefined {
  const given = files.filter((entry): entry is [string, string] => entry[1] !== undefined);
  for (let i = 0; i < given.length; i += 1) {
    for (let j = i + 1; j < given.length; j += 1) {
      const [[optionA, fileA], [optionB, fileB]] = [given[i], given[j]];
      if (sameFile(fileA, fileB)) return `${optionB} ${fileB}: is the same file as ${optionA} ${fileA}; give another path`;
    }
  }
  return undefined;
}

/** An error from starting the embedded endpoint (`serve --port N`) as one line, when it is about the port. */
export function listenProblem(error: unknown, port: number | undefined): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') return `--port ${port}: port ${port} on 127.0.0.1 is already in use; choose another, or leave --port out for a free one`;
  if (code === 'EACCES') return `--port ${port}: no permission to listen on port ${port}; choose one above 1023`;
  return undefined;
}

function sameFile(a: string, b: string): boolean {
  const [statA, statB] = [statOrUndefined(a), statOrUndefined(b)];
  if (statA && statB) return statA.dev === statB.dev && statA.ino === statB.ino;
  return realPath(a) === realPath(b);
}

/** The path with every link followed; for a file not yet there, its folder's real path and its name. */
function realPath(file: string): string {
  const absolute = path.resolve(file);
  try {
    return realpathSync(absolute);
  } catch {
    try {
      return path.join(realpathSync(path.dirname(absolute)), path.basename(absolute));
    } catch {
      return absolute;
    }
  }
}

function statOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

/**
 * `policy --prefix P` for a prefix no rule of the rules file and no entry of the settings file has: the policy is
 * the stage's, which is right for a rule made elsewhere but wrong for a typo, so say so and name the nearest one.
 */
export function unknownPrefixWarning(prefix: string, knownPrefixes: readonly string[]): string | undefined {
  if (knownPrefixes.includes(prefix)) return undefined;
  if (knownPrefixes.length === 0) {
    return `no pullThroughCacheRulesFile or settingsFile names prefixes, so ${prefix} takes the stage's settings: this is the stage's policy`;
  }
  const nearest = nearestName(prefix, [...new Set(knownPrefixes)]);
  return (
    `no rule of pullThroughCacheRulesFile and no entry of settingsFile has the prefix ${prefix}` +
    `${nearest ? ` (did you mean ${nearest}?)` : ` (they have ${[...new Set(knownPrefixes)].join(', ')})`}: this is the stage's policy`
  );
}
