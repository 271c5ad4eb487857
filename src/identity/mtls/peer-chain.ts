import type { PeerCertificate } from 'node:tls';

/**
 * The certificates a TLS client presented, as `tls.TLSSocket.getPeerCertificate(true)`
 * gives them: the leaf with `.raw` (DER) and `.issuerCertificate` links; the link of a
 * self-signed root points back at itself. Without a client certificate Node returns `{}`.
 *
 * Node links the chain by names (and may append a root from the server's `ca` store), which
 * is only a hint: the verifier treats every certificate after the leaf as an untrusted
 * candidate intermediate.
 */

export interface PeerChain {
  readonly leaf: Buffer;
  /** DER of the linked issuers, leaf side first. */
  readonly intermediates: readonly Buffer[];
}

/** Walk at most this many links; a longer chain is refused by the verifier anyway. */
const MAX_LINKS = 16;

interface Linked {
  readonly raw?: unknown;
  readonly issuerCertificate?: Linked;
}

/**
 * Read the presented chain. Returns `undefined` when no certificate was presented.
 * Stops at a self-link, a cycle or MAX_LINKS links (the verifier then sees the overlong
 * chain and refuses it).
 */
export function peerChain(cert: PeerCertificate | undefined): PeerChain | undefined {
  const leafRaw = (cert as Linked | undefined)?.raw;
  if (!Buffer.isBuffer(leafRaw) || leafRaw.length === 0) return undefined;
  const intermediates: Buffer[] = [];
  const seen = new Set<Linked>([cert as Linked]);
  let link = (cert as Linked).issuerCertificate;
  while (link && typeof link === 'object' && !seen.has(link) && intermediates.length <= MAX_LINKS) {
    seen.add(link);
    if (Buffer.isBuffer(link.raw) && link.raw.length > 0) intermediates.push(link.raw);
    link = link.issuerCertificate;
  }
  return { leaf: leafRaw, intermediates };
}
