// The event path end to end on this machine: the real startRepositorySweep step, whose start port runs each
// execution with the real definition against the embedded ECR, deduplicated by name as StartExecution does.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { lifecyclePolicyText } from '../../functions/lib/lifecycle-policy';
import { main } from '../../local/cli';
import type { Registry } from '../../local/ecr/registry-file';
import { runEventSweep, type EventSweepResult } from '../../local/event-sweep';

const EVENTS = path.join(__dirname, '..', '..', 'fixtures', 'events');
const fixture = (name: string): Record<string, any> => JSON.parse(readFileSync(path.join(EVENTS, `${name}.json`), 'utf8'));

const NOW = Date.now();
const daysAgo = (days: number) => new Date(NOW - days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const PERSON_POLICY = JSON.stringify({
  rules: [{ rulePriority: 1, selection: { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 5 }, action: { type: 'expire' } }],
});

/** Every repository the sample events name, plus cached neighbours that a full sweep would change. */
function registry(): Registry {
  const recent = (n: number) => ({ imageDigest: digest(n), imageTags: [`v${n}`], imagePushedAt: daysAgo(40), lastRecordedPullTime: daysAgo(1) });
  const stale = (n: number) => ({ imageDigest: digest(n), imageTags: [`old${n}`], imagePushedAt: daysAgo(200), lastRecordedPullTime: daysAgo(100) });
  return {
    pullThroughCacheRules: [
      { ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io' },
      { ecrRepositoryPrefix: 'quay', upstreamRegistryUrl: 'quay.io' },
    ],
    repositories: [
      { repositoryName: 'docker-hub/library/postgres', images: [recent(1)] },
      { repositoryName: 'quay/coreos/etcd', images: [] },
      { repositoryName: 'docker-hub/library/alpine', images: [recent(2)] },
      { repositoryName: 'docker-hub/library/nginx', images: [recent(3), stale(4)] },
      { repositoryName: 'docker-hub/library/redis', lifecyclePolicyText: PERSON_POLICY, images: [stale(5)] },
      { repositoryName: 'payments/worker', images: [stale(6)] },
    ],
  };
}

const sweep = (events: unknown[], extra: { waitBetweenEvents?: boolean } = {}) =>
  runEventSweep({ registry: registry(), events, retryDelayMs: 0, ...extra });

/** Repositories whose state differs from the seed. */
function changed(result: EventSweepResult): string[] {
  const before = new Map(registry().repositories.map((r) => [r.repositoryName, JSON.stringify(r)]));
  return result.registry.repositories.filter((r) => before.get(r.repositoryName) !== JSON.stringify(r)).map((r) => r.repositoryName);
}

const repository = (result: EventSweepResult, name: string) => result.registry.repositories.find((r) => r.repositoryName === name)!;

describe('an event for a new cached repository', () => {
  it.each([
    ['create-repository-api-call', 'docker-hub/library/postgres'],
    ['create-repository-service-event', 'quay/coreos/etcd'],
    ['pull-through-cache-action', 'docker-hub/library/alpine'],
  ])('%s gives %s the policy and changes nothing else', async (name, repositoryName) => {
    const result = await sweep([fixture(name)]);

    expect(result.handlerResults).toEqual([{ started: true, executionName: expect.any(String) }]);
    expect(result.executions).toHaveLength(1);
    const [execution] = result.executions;
    expect(execution).toMatchObject({ name: result.handlerResults[0].executionName, status: 'SUCCEEDED' });
    expect(JSON.parse(execution.input)).toEqual({ repositoryName });
    expect(execution.result?.report).toMatchObject({ scanned: 1, cached: 1, applied: 1, imagesExpired: 0, failed: 0 });

    expect(changed(result)).toEqual([repositoryName]);
    expect(repository(result, repositoryName).lifecyclePolicyText).toBe(lifecyclePolicyText(1));
    expect(result.ecrCalls.PutLifecyclePolicy).toBe(1);
    expect(result.ecrCalls.BatchDeleteImage).toBe(0);
  });

  it('also expires the stale images of the repository it names, and only there', async () => {
    const event = fixture('create-repository-api-call');
    event.detail.requestParameters.repositoryName = 'docker-hub/library/nginx';
    const result = await sweep([event]);
    expect(changed(result)).toEqual(['docker-hub/library/nginx']);
    expect(repository(result, 'docker-hub/library/nginx').images?.map((i) => i.imageDigest)).toEqual([digest(3)]);
    expect(result.executions[0].result?.report).toMatchObject({ applied: 1, imagesExpired: 1 });
  });
});

describe('an event for a repository outside every prefix', () => {
  it('starts an execution that changes nothing', async () => {
    const result = await sweep([fixture('create-repository-outside-prefix')]);
    expect(result.executions).toHaveLength(1);
    expect(result.executions[0]).toMatchObject({ status: 'SUCCEEDED' });
    expect(result.executions[0].result?.report).toMatchObject({ scanned: 1, cached: 0, applied: 0 });
    expect(changed(result)).toEqual([]);
    expect(result.ecrCalls.PutLifecyclePolicy).toBe(0);
    expect(result.ecrCalls.GetLifecyclePolicy).toBe(0);
    expect(result.ecrCalls.BatchDeleteImage).toBe(0);
  });
});

describe('the same event delivered twice', () => {
  it('starts one execution when the second delivery arrives while the first runs', async () => {
    const event = fixture('create-repository-service-event');
    const result = await sweep([event, structuredClone(event)]);
    expect(result.executions).toHaveLength(1);
    expect(result.handlerResults[1].executionName).toBe(result.handlerResults[0].executionName);
    expect(result.ecrCalls.PutLifecyclePolicy).toBe(1);
  });

  it('starts one execution when the second delivery arrives after the first finished', async () => {
    const event = fixture('pull-through-cache-action');
    const result = await sweep([event, { ...structuredClone(event), id: 'another-delivery', time: event.time.replace('11:36', '18:02') }], {
      waitBetweenEvents: true,
    });
    expect(result.executions).toHaveLength(1);
    expect(result.handlerResults[0]).toMatchObject({ started: true });
    expect(result.handlerResults[1]).toMatchObject({ started: false, executionName: result.handlerResults[0].executionName });
    expect(result.startExecutionCalls).toBe(2);
    expect(result.ecrCalls.PutLifecyclePolicy).toBe(1);
  });

  it('starts another execution for a pull-through cache action on the next day', async () => {
    const event = fixture('pull-through-cache-action');
    const nextDay = { ...structuredClone(event), id: 'next-day', time: '2026-11-28T08:00:00Z' };
    const result = await sweep([event, nextDay], { waitBetweenEvents: true });
    expect(result.executions).toHaveLength(2);
    expect(result.executions[1].result?.report).toMatchObject({ applied: 0, owned: 1 });
  });
});

describe('an event that is none of the shapes', () => {
  it.each(['not-a-repository-event', 'create-repository-failed', 'create-repository-no-name', 'pull-through-cache-action-no-name'])(
    '%s starts nothing and makes no ECR call',
    async (name) => {
      const result = await sweep([fixture(name)]);
      expect(result.handlerResults).toEqual([{ started: false, reason: expect.stringMatching(/\S/) }]);
      expect(result.executions).toEqual([]);
      expect(result.startExecutionCalls).toBe(0);
      expect(Object.values(result.ecrCalls).reduce((a, b) => a + b, 0)).toBe(0);
      expect(changed(result)).toEqual([]);
    },
  );
});

describe('ecr-lifecycle sweep --registry FILE --event EVENT.json', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'event-sweep-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const registryFile = path.join(dir, 'registry.json');
  writeFileSync(registryFile, JSON.stringify(registry()));

  async function cli(...args: string[]) {
    let out = '';
    let err = '';
    const sink = (write: (s: string) => void) => new Writable({ write: (chunk, _enc, done) => (write(String(chunk)), done()) });
    const io = { out: sink((s) => (out += s)), err: sink((s) => (err += s)) };
    const code = await main(['node', 'ecr-lifecycle', 'sweep', '--registry', registryFile, ...args], io as unknown as Parameters<typeof main>[1]);
    return { code, out, err };
  }

  it('prints the report of the execution, writes the registry out, exits 0', async () => {
    const out = path.join(dir, 'out-ok.json');
    const run = await cli('--event', path.join(EVENTS, 'create-repository-api-call.json'), '--registry-out', out, '--json');
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.out);
    expect(summary).toMatchObject({ status: 'SUCCEEDED', report: { scanned: 1, cached: 1, applied: 1 }, execution: { repositoryName: 'docker-hub/library/postgres' } });
    const written = JSON.parse(readFileSync(out, 'utf8')) as Registry;
    const postgres = written.repositories.find((r) => r.repositoryName === 'docker-hub/library/postgres');
    expect(postgres?.lifecyclePolicyText).toBe(lifecyclePolicyText(1));
    expect(written.repositories.filter((r) => r.lifecyclePolicyText !== undefined)).toHaveLength(2);
  });

  it('prints the report as the sweep does without --json', async () => {
    const run = await cli('--event', path.join(EVENTS, 'create-repository-service-event.json'));
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/lifecycle policy applied\s+1/);
    expect(run.err).toMatch(/quay\/coreos\/etcd/);
  });

  it.each([
    ['not-a-repository-event.json', /event dropped: unexpected detail-type "ECR Image Action"/],
    ['create-repository-no-name.json', /event dropped: the CreateRepository record names no repository/],
    ['not-json.json', /is not JSON/],
    ['no-such-event.json', /cannot read event file/],
  ])('exits 2 with one line for %s and writes nothing', async (file, reason) => {
    const out = path.join(dir, `out-${file}`);
    const run = await cli('--event', path.join(EVENTS, file), '--registry-out', out);
    expect(run.code).toBe(2);
    expect(run.out).toBe('');
    expect(run.err.trimEnd().split('\n')).toHaveLength(1);
    expect(run.err).toMatch(reason);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses --event with --now: an event sweep is judged as of its start', async () => {
    const run = await cli('--event', path.join(EVENTS, 'create-repository-api-call.json'), '--now', '2026-11-27T00:00:00Z');
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/--now/);
  });
});
