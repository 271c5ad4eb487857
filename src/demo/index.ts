export {
  ACR_MFA,
  ACR_PASSWORD,
  DEV_OTP,
  type DevClient,
  type DevProvider,
  type DevProviderOptions,
  type DevUser,
  devUsers,
  startDevOidcProvider,
} from './dev-oidc-provider.ts';
export { startSampleUpstream } from './sample-upstream.ts';
