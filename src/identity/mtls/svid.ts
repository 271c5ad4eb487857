import type { Reason, SpiffeId } from '../../model/index.ts';
import { parseSpiffeId } from '../spiffe-id.ts';
import {
  EKU_ANY,
  EKU_CLIENT_AUTH,
  KU_CRL_SIGN,
  KU_DIGITAL_SIGNATURE,
  KU_KEY_CERT_SIGN,
} from './cert-extensions.ts';
import { type CertNode, parseCertNode } from './cert-node.ts';

/**
 * X.509-SVID verification (SPIFFE X509-SVID.md, sections 4 and 5), done here rather than by
 * the TLS layer so that each trust domain is checked against its own bundle only.
 *
 * Leaf: exactly one URI SAN, a SPIFFE ID with a non-empty path; not a CA; key usage present
 * with digitalSignature and without keyCertSign / cRLSign; extended key usage, when present,
 * includes clientAuth; inside its validity window; no critical extension left unapplied.
 * Path: built from the presented intermediates (in any order) up to a CA of the leaf's own
 * trust domain bundle; every signature verified, names linked (`checkIssued`), every
 * certificate a CA with keyCertSign (when key usage is present), within its validity, its
 * pathLenConstraint respected and its EKU (when present) allowing clientAuth.
 *
 * Path building is a bounded depth-first search: at most `maxChainLength` certificates per
 * path and at most SIGNATURE_BUDGET signature checks per call, so a client cannot buy much
 * CPU with a pile of cross-signed intermediates.
 */

/** Default longest path, in certificates, leaf and trust anchor included. */
export const DEFAULT_MAX_CHAIN_LENGTH = 8;
/** Signature verifications one call may spend before giving up. */
const SIGNATURE_BUDGET = 32;

/** Trust anchors per trust domain name. */
export type TrustBundles = ReadonlyMap<string, readonly CertNode[]>;

export interface VerifiedSvid {
  readonly spiffeId: SpiffeId;
  readonly leaf: CertNode;
  /** Intermediates of the path found, leaf side first (trust anchor excluded). */
  readonly intermediates: readonly CertNode[];
  readonly anchor: CertNode;
  /** Epoch seconds: the latest notBefore on the path. */
  readonly validFrom: number;
  /** Epoch seconds: the earliest notAfter on the path. */
  readonly validUntil: number;
}

export type SvidVerification =
  | { readonly ok: true; readonly svid: VerifiedSvid }
  | { readonly ok: false; readonly reason: Reason; readonly detail: string };

export interface SvidInput {
  /** The leaf certificate, DER (or already parsed). */
  readonly leaf: Uint8Array | CertNode;
  /** Intermediates the peer presented, DER or parsed, any order; a presented root is harmless. */
  readonly intermediates: readonly (Uint8Array | CertNode)[];
  /**
   * More candidate intermediates (untrusted, like the presented ones), tried after them:
   * intermediates seen on earlier verified paths, for resumed TLS sessions whose chain
   * was not kept.
   */
  readonly knownIntermediates?: Iterable<CertNode>;
  /** Epoch seconds. */
  readonly nowSeconds: number;
  readonly bundles: TrustBundles;
  /** Longest path in certificates, leaf and anchor included (default 8). */
  readonly maxChainLength?: number;
}

function fail(reason: Reason, detail: string): SvidVerification {
  return { ok: false, reason, detail };
}

function asNode(c: Uint8Array | CertNode): CertNode {
  return c instanceof Uint8Array ? parseCertNode(c) : c;
}

/** Verify an X.509-SVID and find its path to a trust anchor. Never throws. */
export function verifyX509Svid(input: SvidInput): SvidVerification {
  const maxLen = input.maxChainLength ?? DEFAULT_MAX_CHAIN_LENGTH;
  if (input.intermediates.length > maxLen) {
    return fail(
      'cert-chain-invalid',
      `${input.intermediates.length} certificates presented; limit ${maxLen}`,
    );
  }
  let leaf: CertNode;
  const presented: CertNode[] = [];
  try {
    leaf = asNode(input.leaf);
    for (const c of input.intermediates) presented.push(asNode(c));
  } catch (err) {
    return fail('cert-invalid', `certificate cannot be parsed: ${(err as Error).message}`);
  }
  const now = input.nowSeconds;

  // --- the leaf ------------------------------------------------------------------------
  if (leaf.ext.uris.length !== 1) {
    return fail(
      'cert-spiffe-id-invalid',
      `leaf has ${leaf.ext.uris.length} URI SANs; exactly one is required`,
    );
  }
  const spiffeId = parseSpiffeId(leaf.ext.uris[0]!);
  if (!spiffeId) return fail('cert-spiffe-id-invalid', 'the URI SAN is not a valid SPIFFE ID');
  if (spiffeId.path === '') return fail('cert-spiffe-id-invalid', 'the SPIFFE ID has no path');
  if (leaf.ext.isCa) return fail('cert-is-ca', `${spiffeId.id}: leaf has basicConstraints cA true`);
  const ku = leaf.ext.keyUsage;
  if (ku === undefined) return fail('cert-key-usage-invalid', `${spiffeId.id}: leaf has no key usage`);
  if (!(ku & KU_DIGITAL_SIGNATURE)) {
    return fail('cert-key-usage-invalid', `${spiffeId.id}: key usage lacks digitalSignature`);
  }
  if (ku & (KU_KEY_CERT_SIGN | KU_CRL_SIGN)) {
    return fail('cert-key-usage-invalid', `${spiffeId.id}: key usage allows keyCertSign or cRLSign`);
  }
  const eku = leaf.ext.extKeyUsage;
  if (eku !== undefined && !eku.includes(EKU_CLIENT_AUTH)) {
    return fail('cert-key-usage-invalid', `${spiffeId.id}: extended key usage lacks clientAuth`);
  }
  if (leaf.ext.unhandledCritical.length > 0) {
    return fail(
      'cert-invalid',
      `${spiffeId.id}: unsupported critical extension ${leaf.ext.unhandledCritical[0]}`,
    );
  }
  if (now < leaf.notBefore) return fail('cert-not-yet-valid', `${spiffeId.id}: valid from ${leaf.notBefore}`);
  if (now > leaf.notAfter) return fail('cert-expired', `${spiffeId.id}: expired at ${leaf.notAfter}`);

  // --- the trust domain and the path -----------------------------------------------------
  const anchors = input.bundles.get(spiffeId.trustDomain);
  if (!anchors || anchors.length === 0) {
    return fail('cert-trust-domain-unknown', `trust domain ${spiffeId.trustDomain} is not configured`);
  }

  const candidates: CertNode[] = [];
  const seen = new Set<string>([leaf.fingerprint]);
  for (const c of presented) {
    if (!seen.has(c.fingerprint)) {
      seen.add(c.fingerprint);
      candidates.push(c);
    }
  }
  for (const c of input.knownIntermediates ?? []) {
    if (!seen.has(c.fingerprint)) {
      seen.add(c.fingerprint);
      candidates.push(c);
    }
  }

  let budget = SIGNATURE_BUDGET;
  const notes: string[] = [];
  const note = (s: string) => {
    if (notes.length < 4) notes.push(s);
  };

  /** Signature check of `child` by `issuer`; the caller has already linked the names. */
  const signedBy = (child: CertNode, issuer: CertNode): boolean => {
    if (budget <= 0) return false;
    budget--;
    try {
      return child.x509.verify(issuer.publicKey);
    } catch {
      return false;
    }
  };

  /** Whether `ca` may sign for a path with `below` intermediate CAs under it. */
  const mayIssue = (ca: CertNode, below: number, role: string): boolean => {
    const e = ca.ext;
    let problem: string | undefined;
    if (!e.isCa) problem = 'is not a CA';
    else if (e.keyUsage !== undefined && !(e.keyUsage & KU_KEY_CERT_SIGN)) problem = 'lacks keyCertSign';
    else if (e.pathLen !== undefined && below > e.pathLen)
      problem = `pathLenConstraint ${e.pathLen} exceeded`;
    else if (e.extKeyUsage && !e.extKeyUsage.includes(EKU_CLIENT_AUTH) && !e.extKeyUsage.includes(EKU_ANY)) {
      problem = 'extended key usage excludes clientAuth';
    } else if (e.unhandledCritical.length > 0)
      problem = `has unsupported critical extension ${e.unhandledCritical[0]}`;
    else if (now < ca.notBefore) problem = 'is not valid yet';
    else if (now > ca.notAfter) problem = 'has expired';
    if (problem) note(`${role} ${ca.label} ${problem}`);
    return problem === undefined;
  };

  const used = new Set<CertNode>();
  const extend = (path: CertNode[]): CertNode[] | undefined => {
    const cur = path[path.length - 1]!;
    const below = path.length - 1;
    for (const anchor of anchors) {
      if (!cur.x509.checkIssued(anchor.x509) || !mayIssue(anchor, below, 'trust anchor')) continue;
      if (signedBy(cur, anchor)) return [...path, anchor];
      note(`signature by trust anchor ${anchor.label} does not verify`);
    }
    // Room for one more intermediate and then an anchor?
    if (path.length + 2 > maxLen) {
      note(`path longer than ${maxLen} certificates`);
      return undefined;
    }
    for (const cand of candidates) {
      if (used.has(cand)) continue;
      if (!cur.x509.checkIssued(cand.x509) || !mayIssue(cand, below, 'intermediate')) continue;
      if (!signedBy(cur, cand)) {
        note(`signature by intermediate ${cand.label} does not verify`);
        continue;
      }
      used.add(cand);
      const found = extend([...path, cand]);
      if (found) return found;
      used.delete(cand);
    }
    return undefined;
  };

  const path = extend([leaf]);
  if (!path) {
    if (budget <= 0) note('signature check budget exhausted');
    const why = notes.length > 0 ? notes.join('; ') : 'no issuer found';
    return fail(
      'cert-chain-invalid',
      `${spiffeId.id}: no valid path to the ${spiffeId.trustDomain} bundle: ${why}`,
    );
  }
  let validFrom = 0;
  let validUntil = Number.POSITIVE_INFINITY;
  for (const c of path) {
    validFrom = Math.max(validFrom, c.notBefore);
    validUntil = Math.min(validUntil, c.notAfter);
  }
  return {
    ok: true,
    svid: {
      spiffeId,
      leaf,
      intermediates: path.slice(1, -1),
      anchor: path[path.length - 1]!,
      validFrom,
      validUntil,
    },
  };
}
