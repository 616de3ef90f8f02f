// Which EventBridge events start a sweep for one repository, and under which execution name.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decideRepositoryEvent, type RepositoryEventDecision } from '../../functions/lib/repository-event';

type Json = Record<string, any>;
const fixture = (name: string): Json =>
  JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'events', `${name}.json`), 'utf8'));

/** Step Functions' execution name: 1..80 characters, and only these if CloudWatch logging is to work. */
const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;

function started(decision: RepositoryEventDecision) {
  if (!decision.start) throw new Error(`expected a start, got a drop: ${decision.reason}`);
  return decision;
}

function dropped(decision: RepositoryEventDecision) {
  if (decision.start) throw new Error(`expected a drop, got a start for ${decision.repositoryName}`);
  return decision;
}

const apiCall = (repositoryName: string, eventID: string, id = `envelope-${eventID}`): Json => {
  const event = fixture('create-repository-api-call');
  event.id = id;
  event.detail.eventID = eventID;
  event.detail.requestParameters.repositoryName = repositoryName;
  return event;
};

const cacheAction = (repositoryName: string, time: string, id: string, imageTag = 'latest'): Json => {
  const event = fixture('pull-through-cache-action');
  Object.assign(event, { id, time });
  Object.assign(event.detail, { 'repository-name': repositoryName, 'image-tag': imageTag });
  return event;
};

describe('events that start a sweep for one repository', () => {
  it("starts one for a person's CreateRepository call, named by requestParameters", () => {
    const decision = started(decideRepositoryEvent(fixture('create-repository-api-call')));
    expect(decision.repositoryName).toBe('docker-hub/library/postgres');
    expect(decision.shape).toBe('AWS API Call via CloudTrail');
  });

  it("starts one for the pull-through cache's own CreateRepository service event, named by serviceEventDetails", () => {
    const event = fixture('create-repository-service-event');
    expect(event.detail.requestParameters).toBeNull();
    expect(event.detail.userIdentity.invokedBy).toBe('ecr.amazonaws.com');
    const decision = started(decideRepositoryEvent(event));
    expect(decision.repositoryName).toBe('quay/coreos/etcd');
    expect(decision.shape).toBe('AWS Service Event via CloudTrail');
  });

  it("starts one for ECR's Pull Through Cache Action, named by repository-name", () => {
    const decision = started(decideRepositoryEvent(fixture('pull-through-cache-action')));
    expect(decision.repositoryName).toBe('docker-hub/library/alpine');
    expect(decision.shape).toBe('ECR Pull Through Cache Action');
  });

  it('finds the name of a service event that carries it in requestParameters instead', () => {
    const event = fixture('create-repository-service-event');
    event.detail.requestParameters = { repositoryName: 'k8s/pause' };
    event.detail.serviceEventDetails = null;
    expect(started(decideRepositoryEvent(event)).repositoryName).toBe('k8s/pause');
  });

  it('starts one for a repository outside every prefix too: the workflow, not the handler, knows the prefixes', () => {
    expect(started(decideRepositoryEvent(fixture('create-repository-outside-prefix'))).repositoryName).toBe('payments/worker');
  });
});

describe('execution names that deduplicate deliveries', () => {
  it('gives the same event delivered twice the same name', () => {
    const once = started(decideRepositoryEvent(fixture('create-repository-service-event')));
    const twice = started(decideRepositoryEvent(fixture('create-repository-service-event')));
    expect(twice.executionName).toBe(once.executionName);
  });

  it('gives a CloudTrail record the same name whatever envelope id EventBridge wraps it in', () => {
    const first = started(decideRepositoryEvent(apiCall('quay/coreos/etcd', 'ct-1', 'envelope-a')));
    const again = started(decideRepositoryEvent(apiCall('quay/coreos/etcd', 'ct-1', 'envelope-b')));
    expect(again.executionName).toBe(first.executionName);
  });

  it('gives two different CloudTrail records for one repository different names', () => {
    const created = started(decideRepositoryEvent(apiCall('quay/coreos/etcd', 'ct-1')));
    const recreated = started(decideRepositoryEvent(apiCall('quay/coreos/etcd', 'ct-2')));
    expect(recreated.executionName).not.toBe(created.executionName);
  });

  it('gives pull-through cache actions for one repository on one day one name', () => {
    const names = [
      cacheAction('docker-hub/library/alpine', '2026-11-27T00:00:01Z', 'a', '3.20'),
      cacheAction('docker-hub/library/alpine', '2026-11-27T11:36:48Z', 'b', '3.21'),
      cacheAction('docker-hub/library/alpine', '2026-11-27T23:59:59Z', 'c', 'latest'),
    ].map((event) => started(decideRepositoryEvent(event)).executionName);
    expect(new Set(names).size).toBe(1);
  });

  it('gives the next day another name', () => {
    const today = started(decideRepositoryEvent(cacheAction('docker-hub/library/alpine', '2026-11-27T23:59:59Z', 'a')));
    const tomorrow = started(decideRepositoryEvent(cacheAction('docker-hub/library/alpine', '2026-11-28T00:00:00Z', 'b')));
    expect(tomorrow.executionName).not.toBe(today.executionName);
  });

  it('gives two repositories pulled on one day different names', () => {
    const alpine = started(decideRepositoryEvent(cacheAction('docker-hub/library/alpine', '2026-11-27T10:00:00Z', 'a')));
    const nginx = started(decideRepositoryEvent(cacheAction('docker-hub/library/nginx', '2026-11-27T10:00:00Z', 'a')));
    expect(nginx.executionName).not.toBe(alpine.executionName);
  });

  it("keeps every name within Step Functions' pattern and 80 characters, even for a 256-character repository", () => {
    const longName = `docker-hub/${'a'.repeat(120)}/${'b.c_d-e'.repeat(18)}`.slice(0, 256);
    expect(longName).toHaveLength(256);
    const decisions = [
      decideRepositoryEvent(apiCall(longName, 'ct-1')),
      decideRepositoryEvent(cacheAction(longName, '2026-11-27T10:00:00Z', 'a')),
      decideRepositoryEvent(fixture('create-repository-api-call')),
      decideRepositoryEvent(fixture('create-repository-service-event')),
      decideRepositoryEvent(fixture('pull-through-cache-action')),
    ];
    for (const decision of decisions) expect(started(decision).executionName).toMatch(EXECUTION_NAME);
  });

  it('tells apart two long repository names that share their first 200 characters', () => {
    const stem = `docker-hub/${'x'.repeat(189)}`;
    const one = started(decideRepositoryEvent(cacheAction(`${stem}/one`, '2026-11-27T10:00:00Z', 'a')));
    const two = started(decideRepositoryEvent(cacheAction(`${stem}/two`, '2026-11-27T10:00:00Z', 'a')));
    expect(two.executionName).not.toBe(one.executionName);
  });
});

describe('events that are dropped, with the reason', () => {
  it('drops a CreateRepository call that failed', () => {
    const decision = dropped(decideRepositoryEvent(fixture('create-repository-failed')));
    expect(decision.reason).toMatch(/failed.*RepositoryAlreadyExistsException/);
  });

  it('drops a CloudTrail record of another ECR call', () => {
    const event = fixture('create-repository-api-call');
    event.detail.eventName = 'DeleteRepository';
    expect(dropped(decideRepositoryEvent(event)).reason).toMatch(/DeleteRepository/);
  });

  it("drops another service's CreateRepository", () => {
    const event = fixture('create-repository-api-call');
    event.detail.eventSource = 'codecommit.amazonaws.com';
    expect(dropped(decideRepositoryEvent(event)).reason).toMatch(/codecommit\.amazonaws\.com/);
  });

  it('drops an event of another detail-type', () => {
    expect(dropped(decideRepositoryEvent(fixture('not-a-repository-event'))).reason).toMatch(/ECR Image Action/);
  });

  it('drops a CreateRepository record that names no repository', () => {
    expect(dropped(decideRepositoryEvent(fixture('create-repository-no-name'))).reason).toMatch(/names no repository/);
  });

  it('drops a pull-through cache action that names no repository', () => {
    expect(dropped(decideRepositoryEvent(fixture('pull-through-cache-action-no-name'))).reason).toMatch(/names no repository/);
  });

  it('drops a pull-through cache action without a usable time', () => {
    for (const time of [undefined, '', 'yesterday', 1732700000]) {
      const event = fixture('pull-through-cache-action');
      event.time = time;
      expect(dropped(decideRepositoryEvent(event)).reason).toMatch(/no time/);
    }
  });

  it.each([
    ['upper case', 'Docker-Hub/library/nginx'],
    ['a trailing slash', 'docker-hub/library/nginx/'],
    ['one character', 'a'],
  ])('drops an event whose repository name ECR would not accept (%s)', (_, name) => {
    expect(dropped(decideRepositoryEvent(apiCall(name, 'ct-bad'))).reason).toContain('not an ECR repository name');
    expect(dropped(decideRepositoryEvent(cacheAction(name, '2026-11-27T10:00:00Z', 'bad'))).reason).toContain(
      'not an ECR repository name',
    );
  });

  it('drops a CloudTrail record with no id to deduplicate it by', () => {
    const event = fixture('create-repository-api-call');
    delete event.id;
    delete event.detail.eventID;
    expect(dropped(decideRepositoryEvent(event)).reason).toMatch(/no id/);
  });

  it.each([
    ['null', null],
    ['a string', 'CreateRepository'],
    ['an array', [fixture('create-repository-api-call')]],
    ['an event without detail', { 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.ecr' }],
    ['an event whose detail is a string', { 'detail-type': 'ECR Pull Through Cache Action', detail: 'docker-hub/library/alpine' }],
    ['a repository name of the wrong type', { ...fixture('pull-through-cache-action'), detail: { 'repository-name': 42 } }],
  ])('drops %s with a reason', (_, event) => {
    const decision = dropped(decideRepositoryEvent(event));
    expect(decision.reason.length).toBeGreaterThan(0);
    expect(decision.reason).not.toMatch(/\n/);
  });
});
