import { type CertNode, parseCertNode } from './cert-node.ts';

/**
 * Parse a trust bundle: a PEM file of one or more CA certificates (the X.509 authorities of
 * one SPIFFE trust domain, as SPIRE's spiffe-helper or csi-driver-spiffe write them).
 * Text outside PEM blocks (comments) is ignored; any other PEM block type (a private key,
 * a CRL) is refused, as is a certificate that is not a CA. Duplicates are dropped.
 * Error messages never quote the file's content.
 */

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** Larger bundles are refused: a SPIFFE bundle holds a handful of CAs. */
export const MAX_BUNDLE_BYTES = 1024 * 1024;
export const MAX_BUNDLE_CERTIFICATES = 256;

export class BundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

/** Parse PEM text into trust anchors. Throws BundleError when it holds no usable CA. */
export function parseBundlePem(pem: string): CertNode[] {
  if (pem.length > MAX_BUNDLE_BYTES) throw new BundleError(`bundle is larger than ${MAX_BUNDLE_BYTES} bytes`);
  const anchors: CertNode[] = [];
  const seen = new Set<string>();
  let index = 0;
  for (const block of pemBlocks(pem)) {
    index++;
    if (block.label !== 'CERTIFICATE') throw new BundleError(`PEM block ${index} is not a CERTIFICATE`);
    const b64 = block.body.replace(/\s+/g, '');
    if (!BASE64.test(b64) || b64.length % 4 !== 0)
      throw new BundleError(`certificate ${index} is not valid base64`);
    let node: CertNode;
    try {
      node = parseCertNode(Buffer.from(b64, 'base64'));
    } catch (err) {
      throw new BundleError(`certificate ${index} cannot be parsed (${(err as Error).message})`);
    }
    if (!node.ext.isCa) throw new BundleError(`certificate ${index} (${node.label}) is not a CA certificate`);
    if (seen.has(node.fingerprint)) continue;
    seen.add(node.fingerprint);
    anchors.push(node);
    if (anchors.length > MAX_BUNDLE_CERTIFICATES) {
      throw new BundleError(`bundle holds more than ${MAX_BUNDLE_CERTIFICATES} certificates`);
    }
  }
  if (anchors.length === 0) throw new BundleError('bundle holds no certificate');
  return anchors;
}

/** PEM blocks in order, found by a linear scan (no backtracking regex over file content). */
function* pemBlocks(pem: string): Generator<{ label: string; body: string }> {
  const BEGIN = '-----BEGIN ';
  let pos = 0;
  for (;;) {
    const begin = pem.indexOf(BEGIN, pos);
    if (begin === -1) return;
    const labelEnd = pem.indexOf('-----', begin + BEGIN.length);
    if (labelEnd === -1) throw new BundleError('bundle has a malformed PEM header');
    const label = pem.slice(begin + BEGIN.length, labelEnd);
    if (!/^[A-Z0-9 ]{1,64}$/.test(label)) throw new BundleError('bundle has a malformed PEM header');
    const endMarker = `-----END ${label}-----`;
    const bodyStart = labelEnd + 5;
    const end = pem.indexOf(endMarker, bodyStart);
    if (end === -1) throw new BundleError('bundle has an unterminated PEM block');
    yield { label, body: pem.slice(bodyStart, end) };
    pos = end + endMarker.length;
  }
}
