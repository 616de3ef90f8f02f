// Reads serverless.yml the way the framework does for the parts a local run needs: each function's handler and
// environment, and the state machine definition it deploys. Variables are resolved for the forms serverless.yml
// uses (${param:}, ${self:}, ${sls:stage}, ${opt:}, ${file(x.js):name}); any other form is an error, not a guess.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export const PROJECT_ROOT = path.resolve(__dirname, '..');

export interface LocalFunction {
  key: string;
  /** Absolute path of the handler module, without extension. */
  modulePath: string;
  exportName: string;
  environment: Record<string, string>;
}

export interface ServerlessConfig {
  functions: Record<string, LocalFunction>;
  definitionPath: string;
}

type Params = Record<string, unknown>;

const VARIABLE = /\$\{([^{}]+)\}/;

export async function loadServerlessConfig(paramOverrides: Params = {}, stage = 'dev'): Promise<ServerlessConfig> {
  const file = path.join(PROJECT_ROOT, 'serverless.yml');
  const doc = parse(readFileSync(file, 'utf8'), { logLevel: 'silent' }) as Record<string, any>;
  const params: Params = { ...doc.params?.default, ...doc.params?.[stage], ...paramOverrides };
  const resolver = new Resolver(doc, params, stage);

  // The policy text serverless.yml deploys is where a bad stage param stops `serverless package`; resolving it
  // here stops a local run with the same message.
  await resolver.resolve(doc.custom?.lifecyclePolicyText);

  const providerEnv = (doc.provider?.environment ?? {}) as Record<string, unknown>;
  const functions: Record<string, LocalFunction> = {};
  for (const [key, fn] of Object.entries<Record<string, any>>(doc.functions ?? {})) {
    const environment: Record<string, string> = {};
    for (const [name, value] of Object.entries({ ...providerEnv, ...fn.environment })) {
      environment[name] = String(await resolver.resolve(value));
    }
    const handler = String(fn.handler);
    const dot = handler.lastIndexOf('.');
    functions[key] = {
      key,
      modulePath: path.join(PROJECT_ROOT, handler.slice(0, dot)),
      exportName: handler.slice(dot + 1),
      environment,
    };
  }

  const machines = Object.values<Record<string, any>>(doc.stepFunctions?.stateMachines ?? {});
  if (machines.length !== 1) throw new Error(`serverless.yml: expected one state machine, found ${machines.length}`);
  const fileRef = /^\$\{file\(([^)]+)\)\}$/.exec(String(machines[0].definition));
  if (!fileRef) throw new Error('serverless.yml: the state machine definition must be ${file(statemachines/...)}');
  return { functions, definitionPath: path.join(PROJECT_ROOT, fileRef[1]) };
}

class Resolver {
  constructor(
    private readonly doc: Record<string, unknown>,
    private readonly params: Params,
    private readonly stage: string,
  ) {}

  async resolve(value: unknown): Promise<unknown> {
    if (typeof value !== 'string') return value;
    let text = value;
    for (let match = VARIABLE.exec(text); match; match = VARIABLE.exec(text)) {
      const resolved = await this.variable(match[1].trim());
      if (match[0] === text) return resolved;
      text = text.replace(match[0], String(resolved));
    }
    return text;
  }

  private async variable(expression: string): Promise<unknown> {
    const [source, fallback] = splitFallback(expression);
    const value = await this.lookup(source);
    if (value !== undefined) return value;
    if (fallback !== undefined) return this.resolve(fallback);
    throw new Error(`serverless.yml: \${${expression}} has no value`);
  }

  private async lookup(source: string): Promise<unknown> {
    if (source.startsWith('param:')) return this.resolve(this.params[source.slice(6)]);
    if (source === 'sls:stage') return this.stage;
    if (source.startsWith('opt:')) return undefined;
    if (source.startsWith('self:')) {
      const value = source.slice(5).split('.').reduce<any>((node, key) => node?.[key], this.doc);
      return this.resolve(value);
    }
    const file = /^file\(([^)]+)\):(\w+)$/.exec(source);
    if (file && file[1].endsWith('.js')) {
      const exported = this.module(file[1])[file[2]];
      return typeof exported === 'function'
        ? exported({ resolveVariable: (v: string) => this.variable(v), options: {} })
        : exported;
    }
    throw new Error(`serverless.yml: the local runner cannot resolve \${${source}}`);
  }

  private module(relative: string): Record<string, unknown> {
    return require(path.join(PROJECT_ROOT, relative));
  }
}

/** `opt:region, 'eu-west-1'` -> ['opt:region', "'eu-west-1'"], with the quotes taken off the fallback. */
function splitFallback(expression: string): [string, string | undefined] {
  const comma = expression.indexOf(',');
  if (comma < 0) return [expression, undefined];
  const fallback = expression.slice(comma + 1).trim().replace(/^(['"])(.*)\1$/, '$2');
  return [expression.slice(0, comma).trim(), fallback];
}
