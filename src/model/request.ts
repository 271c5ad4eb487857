import type { IncomingHttpHeaders } from 'node:http';
import type { PeerCertificate } from 'node:tls';

/**
 * The request as every stage sees it after normalisation: routing, authentication, policy,
 * the assertion binding and the upstream request all use these same values, so they
 * cannot disagree about what was asked for.
 */
export interface RequestInfo {
  readonly id: string;
  readonly method: string;
  readonly scheme: 'http' | 'https';
  /** Lower-case host name, no port, no trailing dot. */
  readonly host: string;
  /** Port the client addressed (from Host, or the listener's). */
  readonly port: number;
  /** Canonical path: dot segments removed, unreserved characters decoded, starts with `/`. */
  readonly path: string;
  /** Raw query string without the `?`, or '' when none. Passed through to the upstream unchanged. */
  readonly query: string;
  readonly headers: IncomingHttpHeaders;
  /**
   * The header fields as they were sent, `[name, value, …]` (Node's `rawHeaders`), when known.
   * Policy reads headers from it: a repeated field, or an `X_Name` spelling that CGI-style
   * upstreams read as `X-Name`, is seen as such instead of Node's folded value.
   */
  readonly rawHeaders?: readonly string[];
  /** The address of the TCP peer. */
  readonly peerAddress: string;
  /** The client address after trusted-proxy processing of X-Forwarded-For. */
  readonly clientAddress: string;
  /** The verified TLS client certificate chain (leaf first), when the listener asked for one. */
  readonly clientCertificate?: PeerCertificate;
  /** Whether the TLS layer authorised the peer certificate against the listener's CA set. */
  readonly clientCertificateAuthorized?: boolean;
  /** Name of the listener the request arrived on. */
  readonly listener: string;
}
