export {
  type AssertionTrimmedEvent,
  type ConfigReloadEvent,
  channels,
  type InternalErrorEvent,
  publish,
  type RequestFinishedEvent,
  type SessionEvent,
  type TlsReloadEvent,
  type UpstreamErrorEvent,
} from './channels.ts';
