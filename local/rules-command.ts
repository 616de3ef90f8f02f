// `ecr-lifecycle rules [--file F] [--check]`: the pull-through cache rules a stage deploys and what each upstream
// needs, checked by the same code `serverless package` runs (functions/lib/pull-through-cache-rules.ts).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import {
  PullThroughCacheRulesError,
  type CheckedRule,
  checkPullThroughCacheRules,
  parseRulesFile,
  upstreamNeeds,
} from '../functions/lib/pull-through-cache-rules';
import { PROJECT_ROOT } from './serverless-config';

export interface RulesOptions {
  file?: string;
  check?: boolean;
  param: Record<string, string>;
}

/** A problem with the input: the caller prints it and exits 2. */
export class RulesInputError extends Error {}

/** A stage param as serverless.yml's params.default gives it, unless --param overrides it. */
function stageParam(name: string, overrides: Record<string, string>): unknown {
  if (name in overrides) return overrides[name];
  const doc = parse(readFileSync(path.join(PROJECT_ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as Record<string, any>;
  return doc?.params?.default?.[name];
}

export function rulesCommand(options: RulesOptions, out: NodeJS.WritableStream): number {
  // --file is a path as the user typed it; the stage param is relative to the project, as `serverless package` reads it.
  const configured = String(stageParam('pullThroughCacheRulesFile', options.param) ?? '').trim();
  const file = options.file ?? (configured === '' ? undefined : path.resolve(PROJECT_ROOT, configured));
  const shown = options.file ?? configured;
  if (file === undefined) {
    if (options.check) throw new RulesInputError('rules --check needs a rules file: --file FILE, or the stage param pullThroughCacheRulesFile');
    out.write(
      'No pull-through cache rules are configured (the stage param pullThroughCacheRulesFile is empty): the tool manages the rules made elsewhere.\n' +
        'Start from config/pull-through-cache-rules.example.json (docs/pull-through-cache-rules.md).\n',
    );
    return 0;
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new RulesInputError(`cannot read ${shown} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const manageRootPrefix = String(stageParam('manageRootPrefix', options.param)).trim().toLowerCase() === 'true';
  let rules: CheckedRule[];
  try {
    rules = checkPullThroughCacheRules(parseRulesFile(text, shown), { manageRootPrefix });
  } catch (error) {
    if (error instanceof PullThroughCacheRulesError) {
      throw new RulesInputError(`${shown} is refused:\n  ${error.problems.join('\n  ')}`);
    }
    throw error;
  }
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
