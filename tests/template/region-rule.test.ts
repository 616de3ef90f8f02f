// The one region rule of packaging, deploys and the command line's --aws (deploy/aws-region.ts): --region, then
// AWS_REGION, then AWS_DEFAULT_REGION, then the profile's region; packaging's default only where none names one.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_DEPLOY_REGION, awsRegion, namedRegion, resolveRegion } from '../../deploy/aws-region';
import { withEnvironment } from '../local/run-cli';

test('takes --region first, then AWS_REGION, then AWS_DEFAULT_REGION; an empty variable names none', () => {
  const env = { AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'ap-south-1' };
  expect(namedRegion('eu-central-1', env)).toBe('eu-central-1');
  expect(namedRegion(undefined, env)).toBe('us-east-1');
  expect(namedRegion(undefined, { AWS_REGION: '', AWS_DEFAULT_REGION: 'ap-south-1' })).toBe('ap-south-1');
  expect(namedRegion(undefined, {})).toBeUndefined();
});

describe("a profile's region", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'region-rule-'));
    writeFileSync(path.join(dir, 'config'), '[profile cache-admin]\nregion = ca-central-1\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const noRegionVariables = () => ({ AWS_CONFIG_FILE: path.join(dir, 'config'), AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, AWS_PROFILE: undefined });

  it('comes after the variables, for the command line and packaging alike', async () => {
    await withEnvironment(noRegionVariables(), async () => {
      expect(await awsRegion(undefined, 'cache-admin')).toBe('ca-central-1');
      expect(await resolveRegion({ options: { 'aws-profile': 'cache-admin' } })).toBe('ca-central-1');
      expect(await awsRegion(undefined, 'cache-admin', { AWS_DEFAULT_REGION: 'ap-south-1' })).toBe('ap-south-1');
    });
  });

  it("leaves packaging its default, and the command line nothing, where none names a region", async () => {
    await withEnvironment(noRegionVariables(), async () => {
      expect(await awsRegion(undefined, undefined)).toBeUndefined();
      expect(await resolveRegion({ options: {} })).toBe(DEFAULT_DEPLOY_REGION);
    });
  });
});
