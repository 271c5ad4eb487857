export { startSampleUpstream } from './sample-upstream.ts';
