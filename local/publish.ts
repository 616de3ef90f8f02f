// `ecr-lifecycle publish`: the stack as a CloudFormation StackSets template, for every account of an organization.
// It packages the service once (stage and settings as `serverless package` takes them), stores the functions' code
// and the template in one bucket per region, `<prefix>-<region>`, that principals of the organization may read and
// no one else, and writes the template to DIR/template.json and its URL to DIR/template-url.txt
// (docs/stacksets.md). Every bucket is read before anything changes; a dry run stops there and says what it would do.
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatBytes } from '../functions/lib/storage';
import { awsProblem } from './aws-target';
import { outputFileProblem } from './cli-checks';
import { artifactKey, bucketPolicy, bucketPrefixProblem, codeBucketName, objectUrl, organizationIdProblem, regionsProblem, sha256 } from './code-buckets';
import { BadInput, type CliIo } from './command-input';
import { packageService, PackagingRefused, type PackagedService } from './package-service';
import { applyBucket, BucketProblem, planBucket, s3Client, type Artifact, type BucketPlan } from './publish-s3';
import { accountIdIn, stackSetTemplate } from './stack-set-template';

export interface PublishOptions {
  bucketPrefix?: string;
  regions?: string[];
  organizationId?: string;
  stage: string;
  /** The --param options, `name=value` each, as packaging takes them. */
  param: string[];
  out?: string;
  dryRun?: boolean;
  profile?: string;
}

export const TEMPLATE_FILE = 'template.json';
export const TEMPLATE_URL_FILE = 'template-url.txt';

export async function publishCommand(options: PublishOptions, io: CliIo): Promise<number> {
  const { bucketPrefix = '', organizationId, stage, dryRun = false } = options;
  const regions = [...new Set(options.regions ?? [])];
  const problem =
    organizationIdProblem(organizationId) ??
    (options.regions === undefined ? 'publish needs --regions R1,R2,...: the regions the stack set deploys to, e.g. eu-west-1,us-east-1' : regionsProblem(regions)) ??
    (options.bucketPrefix === undefined ? 'publish needs --bucket-prefix NAME: the code goes to one bucket per region, NAME-<region>' : bucketPrefixProblem(bucketPrefix, regions)) ??
    (options.out === undefined ? 'publish needs --out DIR: the folder to write template.json and template-url.txt to' : outFolderProblem(options.out));
  if (problem) throw new BadInput(problem);
  const out = options.out as string;

  // Packaging takes a while: say so on a terminal, and keep stderr to the one line of a refusal elsewhere.
  if (io.err.isTTY) io.err.write(`Packaging stage ${stage} (serverless package)...\n`);
  let packaged: PackagedService;
  try {
    packaged = packageService(stage, options.param);
  } catch (error) {
    if (error instanceof PackagingRefused) throw new BadInput(error.problems.length === 1 ? error.problems[0] : `packaging refused the configuration: ${error.problems.join('; ')}`);
    throw error;
  }
  try {
    const { code, template } = stackSetArtifacts(packaged, stage, bucketPrefix);
    const named = accountIdIn(JSON.parse(template.body.toString('utf8')));
    if (named) {
      throw new BadInput(
        `the template would name account ${named.accountId} (${named.at}), but a stack set deploys it unchanged to every account: ` +
          'keep ACCOUNT in a rules file\'s credentialArn, and give an alarm topic per account (--parameter-overrides AlarmTopicArn)',
      );
    }
    const artifacts = [...code, template];
    const targets = regions.map((region) => {
      const bucket = codeBucketName(bucketPrefix, region);
      return { region, bucket, policy: bucketPolicy(bucket, region, packaged.service, organizationId as string) };
    });

    // Read every bucket first: a bucket that cannot be used stops the command before anything changed.
    const plans: BucketPlan[] = [];
    for (const target of targets) {
      const s3 = s3Client(target.region, options.profile);
      try {
        plans.push(await planBucket(s3, target, artifacts));
      } catch (error) {
        throw new BadInput(error instanceof BucketProblem ? error.message : s3Problem(error, target.region, options.profile));
      } finally {
        s3.destroy();
      }
    }
    const templateUrl = objectUrl(targets[0].bucket, targets[0].region, template.key);
    const files = [path.join(out, TEMPLATE_FILE), path.join(out, TEMPLATE_URL_FILE)];

    if (dryRun) {
      io.out.write(`Dry run: nothing changed. Publishing stage ${stage} for organization ${organizationId} would:\n`);
      for (const plan of plans) io.out.write(planLines(plan).map((line) => `${plan.target.region}: ${line}\n`).join(''));
      io.out.write(`write ${files.join(' and ')}, the template reading the code from ${bucketPrefix}-\${AWS::Region}, its URL ${templateUrl}\n`);
      return 0;
    }

    io.out.write(`Publishing stage ${stage} for organization ${organizationId} to ${regions.join(', ')}\n`);
    if (!(await applyPlans(plans, options.profile, io))) return 1;
    mkdirSync(out, { recursive: true });
    writeFileSync(files[0], template.body);
    writeFileSync(files[1], `${templateUrl}\n`);
    const uploaded = plans.reduce((sum, plan) => sum + plan.uploads.length, 0);
    io.out.write(
      `Published: ${uploaded} objects uploaded, ${plans.length * artifacts.length - uploaded} already there.\n` +
        `Wrote ${files[0]} (code at ${bucketPrefix}-\${AWS::Region}) and ${files[1]}:\n${templateUrl}\n`,
    );
    return 0;
  } finally {
    rmSync(packaged.dir, { recursive: true, force: true });
  }
}

/** Makes every plan's changes, region by region, saying each; false when S3 refused one (said on stderr). */
async function applyPlans(plans: BucketPlan[], profile: string | undefined, io: CliIo): Promise<boolean> {
  for (const plan of plans) {
    const s3 = s3Client(plan.target.region, profile);
    const say = (line: string) => io.out.write(`${plan.target.region}: ${line}\n`);
    try {
      await applyBucket(s3, plan, say);
    } catch (error) {
      const { name, message } = error as Error;
      io.err.write(`ecr-lifecycle: publish stopped in ${plan.target.region}: ${name}: ${message}. What is said above was done; publish again to finish.\n`);
      return false;
    } finally {
      s3.destroy();
    }
    const all = plan.uploads.length + plan.stored.length;
    if (plan.stored.length > 0) say(`${plan.stored.length} of ${all} objects already in ${plan.target.bucket}, unchanged`);
  }
  return true;
}

/** The functions' code and the stack set's template, each under a key that carries its content's hash. */
function stackSetArtifacts(packaged: PackagedService, stage: string, bucketPrefix: string): { code: Artifact[]; template: Artifact } {
  const code: Artifact[] = [];
  const codeKeys: Record<string, string> = {};
  for (const resource of Object.values(packaged.template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const fileName = path.basename(String(resource.Properties?.Code?.S3Key));
    const body = packaged.artifact(fileName);
    const key = artifactKey(packaged.service, 'code', path.basename(fileName, '.zip'), body, 'zip');
    codeKeys[fileName] = key;
    code.push({ key, body, sha256: sha256(body), contentType: 'application/zip' });
  }
  const body = Buffer.from(`${JSON.stringify(stackSetTemplate(packaged.template, codeKeys, bucketPrefix), null, 2)}\n`);
  const template: Artifact = { key: artifactKey(packaged.service, 'template', stage, body, 'json'), body, sha256: sha256(body), contentType: 'application/json' };
  return { code, template };
}

/** What a plan would do, one line each. */
function planLines({ target, create, settings, uploads, stored }: BucketPlan): string[] {
  if (!create && settings.length === 0 && uploads.length === 0) return [`nothing to change: bucket ${target.bucket} is set up and holds all ${stored.length} objects`];
  const bytes = uploads.reduce((sum, artifact) => sum + artifact.body.length, 0);
  return [
    ...(create ? [`create bucket ${target.bucket}`] : []),
    ...(settings.length > 0 ? [`put the ${settings.join(', ')} of ${target.bucket}`] : []),
    ...uploads.map((artifact) => `upload s3://${target.bucket}/${artifact.key} (${formatBytes(artifact.body.length)})`),
    ...(uploads.length > 1 ? [`upload ${uploads.length} objects, ${formatBytes(bytes)}, ${stored.length} already there`] : []),
  ];
}

/** --out: an existing folder this process may write in, or one it can make in such a folder. */
function outFolderProblem(out: string): string | undefined {
  if (!existsSync(out)) return outputFileProblem('--out', out);
  if (!statSync(out).isDirectory()) return `--out ${out}: is a file; give a folder`;
  return outputFileProblem('--out', path.join(out, TEMPLATE_FILE));
}

/** What went wrong reading a bucket, with the credentials or region to check. */
function s3Problem(error: unknown, region: string, profile?: string): string {
  const { name, message } = error as Error;
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) return awsProblem(error, region, profile);
  return `${name} from S3 in ${region}${profile === undefined ? '' : ` with profile ${profile}`}: ${message}`;
}
