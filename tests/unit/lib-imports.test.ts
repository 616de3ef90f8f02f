// functions/lib is the bottom layer: the steps, the handlers, deploy/ and local/ build on it, never the other way,
// and its modules form no cycle, so that each shared type has one owner, the lower module. Type-only imports count.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const LIB = path.join(__dirname, '..', '..', 'functions', 'lib');

/** Each module of functions/lib with the relative modules it imports or re-exports, resolved to absolute paths. */
function libImports(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of readdirSync(LIB).filter((name) => name.endsWith('.ts'))) {
    const from = path.join(LIB, file);
    const { importedFiles } = ts.preProcessFile(readFileSync(from, 'utf8'), true, true);
    const relative = importedFiles.map((i) => i.fileName).filter((name) => name.startsWith('.'));
    graph.set(from, relative.map((name) => `${path.resolve(LIB, name)}.ts`));
  }
  return graph;
}

/** The first cycle found, as the chain of modules that closes it; undefined when there is none. */
function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (node: string, chain: string[]): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'visiting') return [...chain.slice(chain.indexOf(node)), node];
    state.set(node, 'visiting');
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next, [...chain, node]);
      if (cycle) return cycle;
    }
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node, []);
    if (cycle) return cycle;
  }
  return undefined;
}

const shortName = (file: string) => path.relative(path.join(LIB, '..', '..'), file);

describe('functions/lib', () => {
  const graph = libImports();

  it('is read whole: every module and its relative imports', () => {
    expect(graph.size).toBeGreaterThan(20);
    expect(graph.get(path.join(LIB, 'repository-settings.ts'))).toContain(path.join(LIB, 'settings.ts'));
  });

  it('imports nothing from the steps, the handlers, deploy/ or local/', () => {
    const outside = [...graph].flatMap(([from, imports]) =>
      imports.filter((to) => path.dirname(to) !== LIB).map((to) => `${shortName(from)} -> ${shortName(to)}`),
    );
    expect(outside).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(findCycle(graph)?.map(shortName)).toBeUndefined();
  });

  it('would see a cycle, and a module that imports upwards', () => {
    const a = path.join(LIB, 'a.ts');
    const b = path.join(LIB, 'b.ts');
    expect(findCycle(new Map([[a, [b]], [b, [a]]]))).toEqual([a, b, a]);
    expect(findCycle(new Map([[a, [b]], [b, []]]))).toBeUndefined();
  });
});
