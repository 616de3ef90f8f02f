// Lambda handler of the expireUnpulledImages step (functions/steps/expire-unpulled-images.ts).
import { lambdaHandler } from './lib/handler';
import { expireUnpulledImages } from './steps/expire-unpulled-images';

export const handler = lambdaHandler(expireUnpulledImages);
