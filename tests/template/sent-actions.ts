// The IAM actions a Lambda function's code calls, read from its source: every `new XCommand(` and `paginateX(` in its
// handler module and the project modules it imports, named after the SDK client the command comes from. IAM tests
// compare the generated roles with this, so a call added without its permission (or a permission left behind) fails.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** IAM's service prefix for each AWS SDK v3 client package the functions use. */
const IAM_PREFIX: Record<string, string> = {
  '@aws-sdk/client-ecr': 'ecr',
  '@aws-sdk/client-sfn': 'states',
};

const IMPORT = /import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'([^']+)'/g;

/** Every project source file a module loads, itself included. */
function sources(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const [, from] of fs.readFileSync(file, 'utf8').matchAll(/from\s+'(\.[^']*)'/g)) {
    const base = path.resolve(path.dirname(file), from);
    sources(fs.existsSync(`${base}.ts`) ? `${base}.ts` : path.join(base, 'index.ts'), seen);
  }
  return seen;
}

/** The actions the module's code sends, e.g. ['ecr:DescribeImages', 'ecr:BatchDeleteImage'], sorted. */
export function sentActions(module: string): string[] {
  const actions = new Set<string>();
  for (const file of sources(`${module}.ts`)) {
    const text = fs.readFileSync(file, 'utf8');
    const clientOf = new Map<string, string>();
    for (const [, names, from] of text.matchAll(IMPORT)) {
      for (const name of names.split(',').map((n) => n.trim().replace(/^type\s+/, ''))) clientOf.set(name, from);
    }
    const calls = [...text.matchAll(/new (\w+)Command\(/g), ...text.matchAll(/\b(paginate\w+)\(/g)];
    for (const [call, name] of calls) {
      const imported = call.startsWith('new') ? `${name}Command` : name;
      const prefix = IAM_PREFIX[clientOf.get(imported) ?? ''];
      if (!prefix) throw new Error(`${file}: ${call} is not imported from an SDK client this check knows`);
      actions.add(`${prefix}:${name.replace(/^paginate/, '')}`);
    }
  }
  return [...actions].sort();
}
