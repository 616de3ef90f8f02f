// What the packaged stack gives a person to read a sweep by: Logs Insights saved queries over the per-repository
// outcome lines of expireUnpulledImages, and a dashboard of the sweep's metrics and the state machine's.
// template.test.ts calls these with the stack it packaged, as it does events.ts's.
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../functions/lib/logger';
import { CACHE_METRICS, emptyReport, pageMetrics } from '../../functions/lib/report';
import { tallyReport } from '../../functions/steps/tally-report';
import { createLogger, createMetrics } from '../../functions/lib/logger';
import { concurrencyMetrics, LOWEST_CONCURRENCY } from '../../functions/lib/congestion';
import { THROTTLED_CALLS_METRIC } from '../../functions/lib/ecr-client';
import { REGION, Stack } from './cloudformation';

const STAGE = 'dev';
const FOLDER = `${SERVICE_NAME}-${STAGE}`;

/** The fields of a per-repository outcome line (the plan's fields, plus how the run was started). */
const OUTCOME_FIELDS = new Set([
  'message', 'repositoryName', 'action', 'dryRun', 'imagesExpired', 'imagesExpiredCount', 'bytesExpired',
  'referenceTime', 'error', 'cutoff', 'keepImages', 'policyImagesExpired', 'policyBytesExpired', 'policyImagesInUse',
  'policyExpires', 'policyNotes', 'part', 'parts',
]);

/** An outcome line as the Powertools logger writes it: one JSON object, no spaces. */
function outcomeLine(dryRun: boolean): string {
  return JSON.stringify({
    level: 'INFO',
    message: 'repository outcome',
    timestamp: '2026-11-28T02:00:03.000Z',
    service: SERVICE_NAME,
    repositoryName: 'docker-hub/library/nginx',
    action: 'managed',
    dryRun,
    imagesExpired: [{ imageDigest: `sha256:${'a'.repeat(64)}`, imageTags: ['1.25'], imagePushedAt: '2026-07-01T00:00:00Z', imageSizeInBytes: 71_093_817 }],
    imagesExpiredCount: 1,
    bytesExpired: 71_093_817,
    referenceTime: '2026-11-28T02:00:00Z',
  });
}


interface QueryDefinition {
  Name: string;
  LogGroupNames: string[];
  QueryString: string;
}

function query(name: string): QueryDefinition {
  const found = stack
    .ofType('AWS::Logs::QueryDefinition')
    .map(([, r]) => stack.resolve(r.Properties) as QueryDefinition)
    .find((q) => q.Name === `${FOLDER}/${name}`);
  if (!found) throw new Error(`no saved query named ${FOLDER}/${name}`);
  return found;
}

/** The query without its comment lines. */
const statements = (q: QueryDefinition) => q.QueryString.split('\n').filter((line) => !line.trim().startsWith('#')).join('\n');

/** The regular expression a query applies to the raw line with `@message like /.../`. */
function messagePattern(q: QueryDefinition): RegExp {
  const match = /@message like \/(.+?)\//.exec(statements(q));
  if (!match) throw new Error(`${q.Name} does not match the raw line`);
  return new RegExp(match[1]);
}

/** The log group a function writes to: /aws/lambda/<its function name>. */
function functionLogGroup(logicalId: string): string {
  const fn = stack.resource(logicalId);
  return `/aws/lambda/${stack.resolve(fn.Properties?.FunctionName) as string}`;
}
const expireFunctionLogGroup = () => functionLogGroup('ExpireUnpulledImagesLambdaFunction');

/** The stack template.test.ts packaged with the default settings; set before these tests run. */
let stack: Stack;

export function describeObservability(packagedStack: () => Stack): void {
  beforeAll(() => {
    stack = packagedStack();
  });

  describe('saved queries', () => {
    const NAMES = ['What the sweeps deleted', 'What a dry run would delete', 'What the policy expires next', 'Repositories that failed on the first pass'];

    it('are saved in a folder named after the stack', () => {
      const names = stack.ofType('AWS::Logs::QueryDefinition').map(([, r]) => stack.resolve(r.Properties?.Name));
      expect(names.sort()).toEqual(NAMES.map((n) => `${FOLDER}/${n}`).sort());
    });

    // Images are expired by expireUnpulledImages; a failed repository ends in the definition and tallyReport logs it.
    it.each([
      ['What the sweeps deleted', 'ExpireUnpulledImagesLambdaFunction'],
      ['What a dry run would delete', 'ExpireUnpulledImagesLambdaFunction'],
      ['What the policy expires next', 'ExpireUnpulledImagesLambdaFunction'],
      ['Repositories that failed on the first pass', 'TallyReportLambdaFunction'],
    ])('"%s" reads the outcome lines of the function that logs them (%s)', (name, logicalId) => {
      const q = query(name);
      expect(q.LogGroupNames).toEqual([functionLogGroup(logicalId)]);
      expect(statements(q)).toContain("filter message = 'repository outcome'");
      // A repository's images may be split over lines that all carry its counts: only the first line counts it.
      expect(statements(q)).toMatch(/filter message = 'repository outcome' and part = 1\b/);
    });

    it.each(NAMES)('"%s" names only fields an outcome line has', (name) => {
      const fields = /^fields (.+)$/m.exec(statements(query(name)))?.[1].split(',').map((f) => f.trim()) ?? [];
      expect(fields.length).toBeGreaterThan(0);
      expect(fields.filter((f) => f !== '@timestamp' && !OUTCOME_FIELDS.has(f))).toEqual([]);
      expect(fields).toContain('repositoryName');
    });

    it('tells what real sweeps deleted from what dry runs would delete, by the line the logger writes', () => {
      const deleted = messagePattern(query('What the sweeps deleted'));
      const wouldDelete = messagePattern(query('What a dry run would delete'));
      expect([deleted.test(outcomeLine(false)), deleted.test(outcomeLine(true))]).toEqual([true, false]);
      expect([wouldDelete.test(outcomeLine(false)), wouldDelete.test(outcomeLine(true))]).toEqual([false, true]);
    });

    it('show each repository with the images and bytes it lost, leaving out repositories that lost none', () => {
      for (const name of ['What the sweeps deleted', 'What a dry run would delete']) {
        const text = statements(query(name));
        expect(text).toMatch(/^fields .*\bimagesExpiredCount\b.*\bbytesExpired\b/m);
        expect(text).toContain('imagesExpiredCount > 0');
      }
    });

    it("show the repositories where the tool's policy expires images next, with how many are in use", () => {
      const text = statements(query('What the policy expires next'));
      expect(text).toMatch(/^fields .*\bpolicyImagesExpired\b.*\bpolicyImagesInUse\b.*\bpolicyBytesExpired\b/m);
      expect(text).toContain('policyImagesExpired > 0');
    });

    it('list failed repositories with their error', () => {
      const text = statements(query('Repositories that failed on the first pass'));
      expect(text).toContain("action = 'failed'");
      expect(text).toMatch(/^fields .*\berror\b/m);
    });
  });

  type MetricRow = (string | Record<string, unknown>)[];
  interface Widget {
    type: string;
    x: number;
    y: number;
    width: number;
    height: number;
    properties: { title?: string; region?: string; metrics?: MetricRow[]; query?: string; stat?: string };
  }

  describe('the dashboard', () => {
    let widgets: Widget[];
    beforeAll(() => {
      const dashboards = stack.ofType('AWS::CloudWatch::Dashboard');
      expect(dashboards).toHaveLength(1);
      const [, dashboard] = dashboards[0];
      expect(stack.resolve(dashboard.Properties?.DashboardName)).toBe(`${FOLDER}-${REGION}`);
      widgets = (JSON.parse(stack.resolve(dashboard.Properties?.DashboardBody) as string) as { widgets: Widget[] }).widgets;
    });

    /** Every metric the dashboard plots: namespace, name and dimensions. */
    const plotted = () =>
      widgets.flatMap((w) =>
        (w.properties.metrics ?? []).map((row) => {
          const [namespace, metric, ...rest] = row.filter((part): part is string => typeof part === 'string');
          const dimensions = Object.fromEntries(rest.flatMap((_, i) => (i % 2 === 0 ? [[rest[i], rest[i + 1]]] : [])));
          return { namespace, metric, dimensions, widget: w };
        }),
      );

    /** The EMF records a real tally of a complete report prints: every metric the code publishes, as it names it. */
    async function publishedRecords(): Promise<Record<string, any>[]> {
      const records: Record<string, any>[] = [];
      const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        for (const line of String(chunk).split('\n').filter(Boolean)) records.push(JSON.parse(line));
        return true;
      });
      try {
        await tallyReport.run(
          {
            report: null, dryRun: false, referenceTime: '2026-11-28T00:00:00Z', ecrRepositoryPrefixes: ['quay'], repositoryName: null,
            nextToken: null, scanned: 0, cached: 0, finalAttempt: false, batches: [], results: [],
            run: { maxConcurrency: 4, repositoriesAtOnce: 10 },
            mapRun: { maxConcurrency: 4, repositoriesAtOnce: 10, toleratedFailurePercentage: 100, round: false },
          },
          {
            settings: undefined as never, ecr: undefined as never, readManifests: false, logger: createLogger({ logLevel: 'SILENT' }), metrics: createMetrics(STAGE),
          },
        );
      } finally {
        stdout.mockRestore();
      }
      return records.filter((record) => record._aws);
    }

    /** Each metric of the records by name, with the dimensions (names and values) it is published with. */
    function publishedMetrics(records: Record<string, any>[]): Map<string, Record<string, string>[]> {
      const metrics = new Map<string, Record<string, string>[]>();
      for (const record of records) {
        const [directive] = record._aws.CloudWatchMetrics;
        expect(directive.Namespace).toBe(METRICS_NAMESPACE);
        const dimensions = Object.fromEntries((directive.Dimensions[0] as string[]).map((name) => [name, record[name]]));
        for (const { Name } of directive.Metrics) metrics.set(Name, [...(metrics.get(Name) ?? []), dimensions]);
      }
      return metrics;
    }

    it("plots the sweep's own metrics with exactly the names and dimensions the tally's EMF lines carry", async () => {
      const published = publishedMetrics(await publishedRecords());
      const own = plotted().filter((m) => m.namespace === METRICS_NAMESPACE);
      expect([...new Set(own.map((m) => m.metric))].sort()).toEqual([
        'BytesExpired', 'ImagesExpired', 'MaxConcurrency', 'PoliciesApplied', 'PolicyBytesExpired', 'PolicyImagesExpired', 'PolicyImagesInUse',
        'RepositoriesAtOnce', 'RepositoriesFailedFirstPass', 'ThrottledCalls', 'ThrottledRepositories', 'ThrottlingRounds',
      ]);
      // ThrottledCalls comes from every function's ECR client, through the same metrics, after every invocation (tests/local/ecr-endpoint-behaviour.test.ts).
      const fromTally = own.filter((m) => m.metric !== THROTTLED_CALLS_METRIC);
      for (const m of fromTally) expect(published.get(m.metric)).toContainEqual(m.dimensions);
      for (const m of own) expect(m.dimensions).toEqual({ service: SERVICE_NAME, stage: STAGE });
      expect([...Object.keys(pageMetrics(emptyReport(), emptyReport(), false)), ...Object.keys(concurrencyMetrics(LOWEST_CONCURRENCY))].sort()).toEqual(
        [...new Set(fromTally.map((m) => m.metric))].sort(),
      );
    });

    /** The metrics the dashboard's SEARCH expressions draw: schema (namespace and dimension names), name and values. */
    const searched = () =>
      widgets.flatMap((w) =>
        (w.properties.metrics ?? []).flatMap((row) =>
          row.flatMap((part) => {
            const expression = typeof part === 'object' ? (part.expression as string | undefined) : undefined;
            return [...(expression ?? '').matchAll(/SEARCH\('\{([^}]+)\} ([^']+)'/g)].map(([, schema, terms]) => ({
              schema: schema.split(','),
              terms: Object.fromEntries([...terms.matchAll(/(\w+)="([^"]+)"/g)].map(([, k, v]) => [k, v])),
            }));
          }),
        ),
      );

    it("draws what each cache holds with the names and dimensions of the tally's per-prefix EMF lines", async () => {
      const published = publishedMetrics(await publishedRecords());
      const searches = searched();
      expect(new Set(searches.map((s) => s.terms.MetricName))).toEqual(new Set(['BytesAfter', 'BytesBefore', 'CachedRepositories']));
      for (const { schema, terms } of searches) {
        const [namespace, ...dimensionNames] = schema;
        expect(namespace).toBe(METRICS_NAMESPACE);
        const [dimensions] = published.get(terms.MetricName)!;
        expect(dimensionNames.sort()).toEqual(Object.keys(dimensions).sort());
        expect({ service: terms.service, stage: terms.stage }).toEqual({ service: dimensions.service, stage: dimensions.stage });
      }
      // Every figure of a cache is published, zeros included, for every prefix of the run.
      for (const { name } of Object.values(CACHE_METRICS)) expect(published.get(name)).toEqual([{ service: SERVICE_NAME, stage: STAGE, prefix: 'quay' }]);
    });

    it("plots the sweep state machine's executions and their duration", () => {
      const states = plotted().filter((m) => m.namespace === 'AWS/States');
      expect([...new Set(states.map((m) => m.metric))].sort()).toEqual(['ExecutionTime', 'ExecutionsFailed', 'ExecutionsSucceeded']);
      for (const m of states) expect(m.dimensions).toEqual({ StateMachineArn: stack.ref('SweepStateMachine') });
    });

    it('sums counts, shows levels by their lowest and average, and shows the stack region in every metric widget', () => {
      const levels = ['ExecutionTime', ...Object.keys(concurrencyMetrics(LOWEST_CONCURRENCY))];
      for (const m of plotted()) {
        expect(m.widget.properties.region).toBe(REGION);
        if (m.namespace === undefined) continue;
        if (!levels.includes(m.metric)) expect(m.widget.properties.stat).toBe('Sum');
        else expect(m.widget.properties.stat).toBeUndefined();
      }
    });

    it('lists the sweeps from the outcome lines of expireUnpulledImages', () => {
      const logs = widgets.filter((w) => w.type === 'log');
      expect(logs).toHaveLength(1);
      expect(logs[0].properties.query).toMatch(new RegExp(`^SOURCE '${expireFunctionLogGroup()}' \\| filter message = 'repository outcome' and part = 1 `));
      expect(logs[0].properties.region).toBe(REGION);
    });

    it("lays the widgets out on the dashboard's 24-column grid without overlap", () => {
      const cells = new Set<string>();
      for (const w of widgets) {
        expect(w.x + w.width).toBeLessThanOrEqual(24);
        for (let x = w.x; x < w.x + w.width; x += 1) {
          for (let y = w.y; y < w.y + w.height; y += 1) {
            expect(cells.has(`${x},${y}`)).toBe(false);
            cells.add(`${x},${y}`);
          }
        }
      }
    });
  });
}
