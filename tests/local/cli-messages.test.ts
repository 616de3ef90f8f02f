// What the command line tells a newcomer where a wrong guess would cost time: a prefix no rule or settings entry has,
// several configuration problems at once, an --aws profile or region that does not work, and how to reach the
// embedded endpoint from the AWS CLI.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { lifecyclePolicyText } from '../../functions/lib/lifecycle-policy';
import { awsProblem } from '../../local/aws-target';
import { expectBadInput, runCli, withEnvironment } from './run-cli';

const ROOT = path.resolve(__dirname, '../..');
const SETTINGS_EXAMPLE = 'config/settings.example.yml';

let dir: string;
const file = (name: string) => path.join(dir, name);
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'cli-messages-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('policy --prefix', () => {
  it("prints the prefix's own policy, without a warning, for a prefix the settings file has", async () => {
    const result = await runCli('policy', '--prefix', 'docker-hub', '--param', `settingsFile=${SETTINGS_EXAMPLE}`);
    expect(result).toEqual({ code: 0, stdout: `${lifecyclePolicyText(3)}\n`, stderr: '' });
  });

  it("warns on stderr for a prefix nothing names, naming the nearest one, and prints the stage's policy", async () => {
    const result = await runCli('policy', '--prefix', 'dockerhub', '--param', `settingsFile=${SETTINGS_EXAMPLE}`);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${lifecyclePolicyText(1)}\n`);
    expect(result.stderr).toBe(
      "ecr-lifecycle: warning: no rule of pullThroughCacheRulesFile and no entry of settingsFile has the prefix dockerhub (did you mean docker-hub?): this is the stage's policy\n",
    );
  });

  it("knows the rules file's prefixes too, and lists them when none is near", async () => {
    const rules = ['--param', 'pullThroughCacheRulesFile=config/pull-through-cache-rules.example.json'];
    expect((await runCli('policy', '--prefix', 'quay', ...rules)).stderr).toBe('');
    expect((await runCli('policy', '--prefix', 'gitlab-registry', ...rules)).stderr).toMatch(
      /has the prefix gitlab-registry \(they have docker-hub, ecr-public, quay, k8s, github\): this is the stage's policy\n$/,
    );
  });

  it('says so when no file names any prefix', async () => {
    expect((await runCli('policy', '--prefix', 'quay')).stderr).toMatch(/^ecr-lifecycle: warning: no pullThroughCacheRulesFile or settingsFile names prefixes/);
  });
});

describe('configuration problems', () => {
  it('come one per line, as packaging prints them, with nothing on stdout', async () => {
    writeFileSync(file('settings.yml'), 'prefixes:\n  docker-hub: { keepImages: "3", unpulledDays: x }\nexclude: 3\n');
    const stage = await runCli('policy', '--param', 'keepImages=0', '--param', 'unpulledDays=x');
    expect(stage.code).toBe(2);
    expect(stage.stdout).toBe('');
    expect(stage.stderr.split('\n')).toEqual([
      'ecr-lifecycle: invalid configuration:',
      '  keepImages must be a whole number from 1 to 1000, got "0"',
      '  unpulledDays must be a whole number from 0 to 3650, got "x"',
      '',
    ]);
    const fileProblems = await runCli('sweep', '--demo', '--dry-run', '--param', `settingsFile=${file('settings.yml')}`);
    expect(fileProblems.code).toBe(2);
    expect(fileProblems.stderr.split('\n')).toEqual([
      'ecr-lifecycle: invalid configuration:',
      `  ${file('settings.yml')}: prefixes.docker-hub.keepImages must be a whole number from 1 to 1000, got "3"`,
      `  ${file('settings.yml')}: prefixes.docker-hub.unpulledDays must be a whole number from 0 to 3650, got "x"`,
      `  ${file('settings.yml')}: exclude must be a list of repository names and patterns, got 3`,
      '',
    ]);
  });

  it('a single one stays on one line', async () => {
    writeFileSync(file('settings.json'), '{"prefixes": {"k8s": {"keepImages": 2},}}');
    expectBadInput(await runCli('policy', '--param', `settingsFile=${file('settings.json')}`), /^ecr-lifecycle: .*settings\.json: not JSON \(/);
  });
});

describe('a bad registry file', () => {
  it('is named with every problem on a line of its own under a heading, and nothing runs', async () => {
    const registry = {
      pullThroughCacheRules: [{ ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io' }],
      repositories: [{ repositoryName: 'docker-hub/library/nginx', lifecyclePolicyText: '{not json' }, { repositoryName: 'docker-hub/library/redis', image: [] }],
    };
    writeFileSync(file('registry.json'), JSON.stringify(registry));
    const result = await runCli('sweep', '--registry', file('registry.json'), '--registry-out', file('out.json'));
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toEqual([
      'ecr-lifecycle: invalid registry file:',
      `  ${file('registry.json')}: repositories[0].lifecyclePolicyText: policy text is not JSON`,
      `  ${file('registry.json')}: repositories[1].image: unknown field`,
      '',
    ]);
  });

  it('with one problem, is named on one line', async () => {
    writeFileSync(file('registry.json'), JSON.stringify({ pullThroughCacheRules: [] }));
    expectBadInput(await runCli('serve', '--registry', file('registry.json')), /^ecr-lifecycle: .*registry\.json: repositories: missing/);
  });
});

describe('--aws with a profile or region that does not work', () => {
  beforeEach(() => {
    writeFileSync(file('config'), '[profile cache-admin]\nregion = eu-central-1\n');
    writeFileSync(file('credentials'), '[cache-admin]\naws_access_key_id = a\naws_secret_access_key = b\n');
  });
  const awsFiles = () => ({
    AWS_CONFIG_FILE: file('config'),
    AWS_SHARED_CREDENTIALS_FILE: file('credentials'),
    AWS_REGION: undefined,
    AWS_DEFAULT_REGION: undefined,
    AWS_PROFILE: undefined,
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_EC2_METADATA_DISABLED: 'true',
  });

  it.each<[string, string[], RegExp]>([
    ['a profile no file has, and so no region', ['--profile', 'nosuch'], /^ecr-lifecycle: --aws needs a region: profile nosuch gives none .*give --region or set AWS_REGION or AWS_DEFAULT_REGION\n$/],
    ['a profile no file has, with a region', ['--profile', 'nosuch', '--region', 'eu-west-1'], /^ecr-lifecycle: no credentials for profile nosuch: .*aws configure list-profiles/],
    ['a region that is no region name', ['--profile', 'cache-admin', '--region', 'mars-1'], /^ecr-lifecycle: region mars-1 is not an AWS region name \(like eu-west-1\): check --region, AWS_REGION and AWS_DEFAULT_REGION\n$/],
  ])('%s: exit 2, naming it and what to try, before any ECR call', async (_, args, says) => {
    await withEnvironment(awsFiles(), async () => {
      expectBadInput(await runCli('sweep', '--aws', '--dry-run', ...args), says);
      expectBadInput(await runCli('remove-policies', '--aws', '--dry-run', ...args), says);
    });
  });

  it("takes AWS_DEFAULT_REGION before the profile's region, as packaging does", async () => {
    await withEnvironment({ ...awsFiles(), AWS_DEFAULT_REGION: 'mars-1' }, async () => {
      expectBadInput(await runCli('sweep', '--aws', '--dry-run', '--profile', 'cache-admin'), /^ecr-lifecycle: region mars-1 is not an AWS region name/);
    });
  });

  it('names the region ECR could not be reached in, not only the host name', () => {
    const error = Object.assign(new Error('getaddrinfo ENOTFOUND api.ecr.xx-nowhere-9.amazonaws.com'), { code: 'ENOTFOUND' });
    expect(awsProblem(error, 'xx-nowhere-9', 'cache-admin')).toBe(
      'cannot reach ECR in region xx-nowhere-9 (ENOTFOUND api.ecr.xx-nowhere-9.amazonaws.com): is xx-nowhere-9 a region ECR is in? Check --region, AWS_REGION and AWS_DEFAULT_REGION, and the network',
    );
  });

  it('names the profile whose credentials ECR refused', () => {
    const error = Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredTokenException' });
    expect(awsProblem(error, 'eu-west-1', 'cache-admin')).toBe(
      'profile cache-admin were refused in eu-west-1 (ExpiredTokenException): renew them (aws sso login --profile cache-admin) or choose others',
    );
  });
});

describe('serve', () => {
  it('needs exactly one registry', async () => {
    expectBadInput(await runCli('serve'), /^ecr-lifecycle: serve needs exactly one of --registry FILE, --demo\n$/);
    expectBadInput(await runCli('serve', '--demo', '--registry', 'x.json'), /^ecr-lifecycle: serve needs exactly one of --registry FILE, --demo\n$/);
  });

  /** Starts `command` (a shell command line run from the project) and resolves once it printed `until`. */
  async function started(command: string, until: string): Promise<{ child: ChildProcess; printed: string }> {
    const child = spawn('sh', ['-c', command], { cwd: ROOT });
    let printed = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        printed += chunk.toString();
        if (printed.includes(until)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`${command} exited with ${code}: ${printed}`)));
    });
    return { child, printed };
  }

  const stopped = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', resolve));

  /** Whether something accepts connections on the port of 127.0.0.1. */
  const listening = (port: number) =>
    new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      const answer = (open: boolean) => {
        socket.destroy();
        resolve(open);
      };
      socket.once('connect', () => answer(true)).once('error', () => answer(false));
    });

  it('serves the demo registry and prints an AWS CLI command that carries what the CLI needs to reach it', async () => {
    const { child, printed } = await started(`exec "${process.execPath}" local/bin/ecr-lifecycle.js serve --demo`, 'stops it');
    try {
      const hint = /^Try: AWS_ACCESS_KEY_ID=(\S+) AWS_SECRET_ACCESS_KEY=(\S+) aws ecr describe-repositories --endpoint-url (\S+) --region (\S+)$/m.exec(printed);
      expect(hint).not.toBeNull();
      const [, accessKeyId, secretAccessKey, endpoint, region] = hint as RegExpExecArray;
      expect(printed).toContain(`Embedded ECR endpoint: ${endpoint}\n`);
      expect(printed).toContain(`Ctrl-C or kill ${child.pid} stops it; it stops by itself when the command that started it ends.\n`);
      // What the AWS CLI does with those values, done with the SDK: no shared config or credentials file needed.
      const ecr = new ECRClient({ endpoint, region, credentials: { accessKeyId, secretAccessKey } });
      const { repositories } = await ecr.send(new DescribeRepositoriesCommand({ maxResults: 5 }));
      ecr.destroy();
      expect(repositories).toHaveLength(5);
    } finally {
      child.kill('SIGTERM');
      await stopped(child);
    }
  }, 30_000);

  it('stops when the process that started it goes, as `npx ecr-lifecycle serve &` then `kill $!` in a script', async () => {
    // npm exec runs the command under a shell that stays its parent (`; true` keeps this one) and passes no signal on.
    const starter = `"${process.execPath}" local/bin/ecr-lifecycle.js serve --demo; true`;
    const { child, printed } = await started(starter, 'stops it');
    const port = Number(/^Embedded ECR endpoint: http:\/\/127\.0\.0\.1:(\d+)$/m.exec(printed)?.[1]);
    const server = Number(/kill (\d+) stops it/.exec(printed)?.[1]);
    expect(server).not.toBe(child.pid);
    expect(await listening(port)).toBe(true);
    child.kill('SIGTERM');
    await stopped(child);
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && (await listening(port))) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await listening(port)).toBe(false);
  }, 30_000);
});
