// `ecr-lifecycle rules`: prints the configured rules with what each upstream needs; `--check` validates a rules file
// without packaging, exit 0 when it is fine and 2 with every problem (the messages `serverless package` gives).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from './run-cli';

const EXAMPLE = path.resolve(__dirname, '../../config/pull-through-cache-rules.example.json');

const run = runCli;

let dir: string;
const rulesFile = (rules: unknown[]) => {
  const file = path.join(dir, 'rules.json');
  writeFileSync(file, JSON.stringify({ pullThroughCacheRules: rules }));
  return file;
};
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ecr-lifecycle-rules-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ecr-lifecycle rules --check', () => {
  test('exits 0 for the example file', async () => {
    const { code, stdout, stderr } = await run('rules', '--file', EXAMPLE, '--check');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('5 pull-through cache rules, all valid');
  });

  test('exits 2 for gcr.io and Docker Hub without credentials, with both messages', async () => {
    const file = rulesFile([
      { ecrRepositoryPrefix: 'gcr', upstreamRegistryUrl: 'gcr.io' },
      { ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io' },
    ]);
    const { code, stdout, stderr } = await run('rules', '--file', file, '--check');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${file} is refused`);
    expect(stderr).toContain('pullThroughCacheRules[0] ("gcr"): ECR pull-through cache does not support gcr.io');
    expect(stderr).toContain('pullThroughCacheRules[1] ("docker-hub"): Docker Hub (registry-1.docker.io) needs credentials');
  });

  test('exits 2 for a file that is not there or not JSON', async () => {
    expect((await run('rules', '--file', path.join(dir, 'missing.json'), '--check')).stderr).toContain('ENOENT');
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{"pullThroughCacheRules": [');
    const broken = await run('rules', '--file', file, '--check');
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain(`${file}: not JSON (`);
    writeFileSync(file, '{"pullThroughCacheRules": [],}');
    expect((await run('rules', '--file', file, '--check')).stderr).toMatch(/broken\.json: not JSON \(.*\)\n$/);
  });

  test('takes ROOT only as far as manageRootPrefix allows, through --param', async () => {
    const file = rulesFile([{ ecrRepositoryPrefix: 'ROOT', upstreamRegistryUrl: 'quay.io' }]);
    expect((await run('rules', '--file', file, '--check')).stderr).toContain('unless the stage setting manageRootPrefix is true');
    const allowed = await run('rules', '--file', file, '--check', '--param', 'manageRootPrefix=true');
    expect(allowed.code).toBe(2);
    expect(allowed.stderr).toContain('ROOT exists only for ECR-to-ECR rules');
  });

  test('reads the stage setting pullThroughCacheRulesFile when no --file is given, and needs one', async () => {
    const configured = await run('rules', '--check', '--param', 'pullThroughCacheRulesFile=config/pull-through-cache-rules.example.json');
    expect(configured.code).toBe(0);
    const none = await run('rules', '--check');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('rules --check needs a rules file');
  });
});

describe('ecr-lifecycle rules', () => {
  test('prints each rule with what its upstream needs', async () => {
    const { code, stdout } = await run('rules', '--file', EXAMPLE);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines.find((l) => l.startsWith('docker-hub'))).toMatch(/registry-1\.docker\.io\s+Docker Hub: needs credentials/);
    expect(lines.find((l) => l.startsWith('quay'))).toMatch(/quay\.io\s+Quay: no credentials needed/);
    expect(lines.find((l) => l.startsWith('github'))).toContain('ecr-pullthroughcache/github');
    expect(stdout).toContain('repository creation template');
  });

  test('says so when the stage configures no rules', async () => {
    const { code, stdout } = await run('rules');
    expect(code).toBe(0);
    expect(stdout).toContain('No pull-through cache rules are configured');
  });
});
