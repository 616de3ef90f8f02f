// `ecr-lifecycle rules [--file F] [--check]`: the pull-through cache rules a stage deploys and what each upstream
// needs, checked by the same code `serverless package` runs (functions/lib/pull-through-cache-rules.ts).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  PullThroughCacheRulesError,
  type CheckedRule,
  checkPullThroughCacheRules,
  parseRulesFile,
  upstreamNeeds,
} from '../functions/lib/pull-through-cache-rules';
import type { Settings } from '../functions/lib/settings';
import { PROJECT_ROOT } from './runner';

export interface RulesOptions {
  file?: string;
  check?: boolean;
}

/** A problem with the input: the caller prints it and exits 2. */
export class RulesInputError extends Error {}

/** The rules file a stage deploys: --file as the user typed it, or the setting, relative to the project as packaging reads it. */
function rulesFile(settings: Settings, file?: string): { path: string; shown: string } | undefined {
  if (file !== undefined) return { path: file, shown: file };
  const configured = settings.pullThroughCacheRulesFile.trim();
  return configured === '' ? undefined : { path: path.resolve(PROJECT_ROOT, configured), shown: configured };
}

/** The checked rules of a stage's rules file (none when it has none); RulesInputError names every problem. */
function checkedRules(settings: Settings, file?: string): CheckedRule[] {
  const source = rulesFile(settings, file);
  if (source === undefined) return [];
  let text: string;
  try {
    text = readFileSync(source.path, 'utf8');
  } catch (error) {
    throw new RulesInputError(`cannot read ${source.shown} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    return checkPullThroughCacheRules(parseRulesFile(text, source.shown), { manageRootPrefix: settings.manageRootPrefix });
  } catch (error) {
    if (error instanceof PullThroughCacheRulesError) throw new RulesInputError(`${source.shown} is refused:\n  ${error.problems.join('\n  ')}`);
    throw error;
  }
}

export function rulesCommand(options: RulesOptions, settings: Settings, out: NodeJS.WritableStream): number {
  const source = rulesFile(settings, options.file);
  if (source === undefined) {
    if (options.check) throw new RulesInputError('rules --check needs a rules file: --file FILE, or the stage setting pullThroughCacheRulesFile');
    out.write(
      'No pull-through cache rules are configured (the stage setting pullThroughCacheRulesFile is empty): the tool manages the rules made elsewhere.\n' +
        'Start from config/pull-through-cache-rules.example.json (docs/pull-through-cache-rules.md).\n',
    );
    return 0;
  }
  const { shown } = source;
  const rules = checkedRules(settings, options.file);
  if (options.check) {
    out.write(`${shown}: ${rules.length} pull-through cache ${rules.length === 1 ? 'rule' : 'rules'}, all valid\n`);
    return 0;
  }
  if (rules.length === 0) {
    out.write(`${shown}: no pull-through cache rules\n`);
    return 0;
  }
  const width = (pick: (r: (typeof rules)[number]) => string) => Math.max(...rules.map((r) => pick(r).length));
  const prefixWidth = Math.max(width((r) => r.ecrRepositoryPrefix), 'PREFIX'.length);
  const urlWidth = Math.max(width((r) => r.upstreamRegistryUrl), 'UPSTREAM'.length);
  const line = (a: string, b: string, c: string) => `${a.padEnd(prefixWidth)}  ${b.padEnd(urlWidth)}  ${c}\n`;
  out.write(`Pull-through cache rules in ${shown}:\n`);
  out.write(line('PREFIX', 'UPSTREAM', 'NEEDS'));
  for (const rule of rules) out.write(line(rule.ecrRepositoryPrefix, rule.upstreamRegistryUrl, upstreamNeeds(rule)));
  out.write(
    'Each prefix also gets a repository creation template with the lifecycle policy (`ecr-lifecycle policy`), so a new cached repository has it from the start.\n',
  );
  return 0;
}
