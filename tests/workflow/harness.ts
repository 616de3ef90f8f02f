// Runs the real sweep definition (local/runner.ts) against an embedded ECR endpoint seeded with a registry built
// in the test, and hands back what the test asserts on: the execution, the final registry and the call counters.
import type { Registry, RegistryImage, RegistryRepository } from '../../local/ecr/registry-file';
import { startEcrEndpoint, type EcrEndpoint } from '../../local/ecr/server';
import { configuredRunSettings } from '../../deploy/derived';
import { parseSettings } from '../../functions/lib/settings';
import { runSweep, type ExecutionEvent, type LocalExecution, type RunOptions } from '../../local/runner';
import { asDeployedStack } from '../../local/stack-roles';
import type { LogLine } from '../../local/step-log';

/** The reference time every test judges pull age against. */
export const NOW = '2026-11-28T00:00:00Z';
const NOW_MS = Date.parse(NOW);
const DAY_MS = 86_400_000;

/** `days` days before NOW, as an ISO timestamp (fractions of a day allowed). */
export function daysBefore(days: number): string {
  return new Date(NOW_MS - days * DAY_MS).toISOString();
}

/** The policy the tool puts with the default configuration, written out by hand (what `policy` prints). */
export const TOOL_POLICY =
  '{"rules":[{"rulePriority":1,"description":"ecr-lifecycle-manager: keep the latest 1 tagged image","selection":{"tagStatus":"tagged","tagPatternList":["*"],"countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}';

/** The policy earlier versions of the tool put, which ranked untagged manifests too: the sweep replaces it. */
export const EARLIER_TOOL_POLICY =
  '{"rules":[{"rulePriority":1,"description":"ecr-lifecycle-manager: keep the latest 1 image","selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}';

/** A person's policy: keep 10 release images and expire untagged ones after 14 days. Valid for ECR. */
export const PERSONS_POLICY = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      description: 'Keep the last 10 release images',
      selection: { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 10 },
      action: { type: 'expire' },
    },
    {
      rulePriority: 2,
      description: 'Expire untagged images after 14 days',
      selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 },
      action: { type: 'expire' },
    },
  ],
});

/**
 * A seeded generator for registries the tests build: the same registry every run. `random(n)` gives a whole number
 * from 0 to n - 1 (a linear congruential generator, read from its high bits: its low bits repeat with a short period).
 */
export function seededRandom(seed: number): (n: number) => number {
  let state = seed;
  return (n: number) => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return Math.floor((state / 2 ** 31) * n);
  };
}

export function digest(n: number): string {
  return `sha256:${n.toString(16).padStart(64, '0')}`;
}

/** An image pushed `pushedDaysAgo` days before NOW and last pulled `pulledDaysAgo` days before NOW (or never). */
export function image(n: number, pushedDaysAgo: number, pulledDaysAgo?: number, tag?: string): RegistryImage {
  return {
    imageDigest: digest(n),
    ...(tag === undefined ? {} : { imageTags: [tag] }),
    imagePushedAt: daysBefore(pushedDaysAgo),
    ...(pulledDaysAgo === undefined ? {} : { lastRecordedPullTime: daysBefore(pulledDaysAgo) }),
  };
}

export const DOCKER_HUB = { ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io' };
export const QUAY = { ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'quay.io' };

export function repo(repositoryName: string, rest: Omit<RegistryRepository, 'repositoryName'> = {}): RegistryRepository {
  return { repositoryName, ...rest };
}

export interface SweepResult {
  execution: LocalExecution;
  /** The registry after the sweep, by repository name. */
  after: Map<string, RegistryRepository>;
  final: Registry;
  calls: Record<string, number>;
  throttled: Record<string, number>;
  /** Every event of the execution, in order, nested Map iterations included. */
  events: ExecutionEvent[];
}

export interface SweepOptions {
  input?: Record<string, unknown>;
  /** Stage settings, as `--param` gives them. */
  params?: Record<string, unknown>;
  /** Called with the endpoint once it listens, before the sweep starts (to arrange mid-run changes). */
  arrange?: (endpoint: EcrEndpoint) => void;
  /** Called with every event of the execution as it happens. */
  onEvent?: (event: ExecutionEvent) => void;
  /** Called with every structured log line of every step. */
  onLog?: (line: LogLine) => void;
  /** How a function past its timeout ends, and shorter timeouts than serverless.yml's. */
  timeouts?: Pick<RunOptions, 'functionTimeoutError' | 'functionTimeoutsMs'>;
  /** Awaited once the run has returned, with the endpoint still open (to see what reaches it after the run). */
  afterRun?: (endpoint: EcrEndpoint) => Promise<void>;
}

/** One sweep of `registry`; the input's referenceTime is NOW unless the test gives its own input. */
export async function sweep(registry: Registry, options: SweepOptions = {}): Promise<SweepResult> {
  const endpoint = await startEcrEndpoint(registry);
  try {
    options.arrange?.(endpoint);
    const events: ExecutionEvent[] = [];
    const execution = await runSweep({
      input: options.input ?? { referenceTime: NOW },
      settings: configuredRunSettings(parseSettings(options.params ?? {})).run,
      ...asDeployedStack(endpoint),
      retryDelayMs: 10,
      onEvent: (event) => {
        events.push(event);
        options.onEvent?.(event);
      },
      onLog: options.onLog,
      ...options.timeouts,
    });
    await options.afterRun?.(endpoint);
    const final = endpoint.registry();
    return {
      execution,
      final,
      after: new Map(final.repositories.map((r) => [r.repositoryName, r])),
      calls: { ...endpoint.calls },
      throttled: { ...endpoint.throttled },
      events,
    };
  } finally {
    await endpoint.close();
  }
}

/** The digests a repository holds after the sweep, sorted. */
export function digestsOf(result: SweepResult, repositoryName: string): string[] {
  const found = result.after.get(repositoryName);
  if (!found) throw new Error(`${repositoryName} is not in the registry after the sweep`);
  return (found.images ?? []).map((i) => i.imageDigest).sort();
}

export function policyOf(result: SweepResult, repositoryName: string): string | undefined {
  return result.after.get(repositoryName)?.lifecyclePolicyText;
}

/**
 * Runs `action` when the endpoint receives the first call of `operation`, before answering it: a hook for
 * "something changes while the sweep runs". The endpoint counts a call by assigning calls[operation].
 */
export function onFirstCall(endpoint: EcrEndpoint, operation: string, action: () => void): void {
  let count = endpoint.calls[operation] ?? 0;
  Object.defineProperty(endpoint.calls, operation, {
    enumerable: true,
    configurable: true,
    get: () => count,
    set: (value: number) => {
      count = value;
      if (value === 1) action();
    },
  });
}
