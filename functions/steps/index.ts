// Every step of the workflow by the name the definition's Fn::GetAtt uses, and the event step that starts it. The
// local runner binds Task states to these; the stack's IAM roles are generated from their permissions.
import { checkLifecyclePolicy } from './check-lifecycle-policy';
import { expireUnpulledImages } from './expire-unpulled-images';
import { listCachedRepositories } from './list-cached-repositories';
import { listPullThroughCachePrefixes } from './list-pull-through-cache-prefixes';
import { measureStoredImages } from './measure-stored-images';
import { putLifecyclePolicy } from './put-lifecycle-policy';
import { startRepositorySweep } from './start-repository-sweep';
import { tallyReport } from './tally-report';

/** The steps the sweep definition's Task states name. */
export const WORKFLOW_STEPS = {
  listPullThroughCachePrefixes,
  listCachedRepositories,
  checkLifecyclePolicy,
  measureStoredImages,
  putLifecyclePolicy,
  expireUnpulledImages,
  tallyReport,
};

export const STEPS = { ...WORKFLOW_STEPS, startRepositorySweep };
