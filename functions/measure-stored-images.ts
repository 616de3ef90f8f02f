// Lambda handler of the measureStoredImages step (functions/steps/measure-stored-images.ts).
import { lambdaHandler } from './lib/handler';
import { measureStoredImages } from './steps/measure-stored-images';

export const handler = lambdaHandler(measureStoredImages);
