import {
  children,
  DerError,
  decodeBoolean,
  decodeOid,
  decodeSmallUnsigned,
  expectTlv,
  TAG_BIT_STRING,
  TAG_BOOLEAN,
  TAG_OCTET_STRING,
  TAG_OID,
  TAG_SEQUENCE,
  type Tlv,
} from './der.ts';

/**
 * The certificate extensions an SVID verifier needs, read from the DER (RFC 5280 4.2).
 * `X509Certificate` does not expose key usage bits, pathLenConstraint, criticality or the
 * raw URI SANs, so they are read here, strictly: a duplicate extension or a malformed value
 * is an error (the caller denies).
 */

export const OID_KEY_USAGE = '2.5.29.15';
export const OID_SUBJECT_ALT_NAME = '2.5.29.17';
export const OID_BASIC_CONSTRAINTS = '2.5.29.19';
export const OID_EXT_KEY_USAGE = '2.5.29.37';
export const OID_SUBJECT_KEY_ID = '2.5.29.14';
export const OID_AUTHORITY_KEY_ID = '2.5.29.35';

export const EKU_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
export const EKU_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
export const EKU_ANY = '2.5.29.37.0';

/** Key usage bits, numbered as in RFC 5280 (bit 0 = digitalSignature). */
export const KU_DIGITAL_SIGNATURE = 1 << 0;
export const KU_KEY_CERT_SIGN = 1 << 5;
export const KU_CRL_SIGN = 1 << 6;

/**
 * Extensions whose meaning this verifier applies. A certificate with any other extension
 * marked critical is refused: ignoring a critical constraint (name constraints, policy
 * constraints) would be failing open.
 */
const UNDERSTOOD = new Set([
  OID_KEY_USAGE,
  OID_SUBJECT_ALT_NAME,
  OID_BASIC_CONSTRAINTS,
  OID_EXT_KEY_USAGE,
  OID_SUBJECT_KEY_ID,
  OID_AUTHORITY_KEY_ID,
]);

export interface CertExtensions {
  /** basicConstraints cA; false when the extension is absent. */
  readonly isCa: boolean;
  /** basicConstraints pathLenConstraint, when present. */
  readonly pathLen?: number;
  /** Key usage bit mask (KU_* constants), or undefined when the extension is absent. */
  readonly keyUsage?: number;
  /** Extended key usage OIDs, or undefined when the extension is absent. */
  readonly extKeyUsage?: readonly string[];
  /** Every uniformResourceIdentifier SAN, in order (IA5 bytes as ASCII). */
  readonly uris: readonly string[];
  /** OIDs of critical extensions this verifier does not apply. */
  readonly unhandledCritical: readonly string[];
}

/** Parse the extensions of a DER certificate. Throws DerError on malformed input. */
export function parseCertExtensions(der: Uint8Array): CertExtensions {
  const cert = expectTlv(der, 0, der.length, TAG_SEQUENCE);
  if (cert.end !== der.length) throw new DerError('trailing data after the certificate');
  const tbs = expectTlv(der, cert.start, cert.end, TAG_SEQUENCE);
  let extsField: Tlv | undefined;
  for (const field of children(der, tbs)) {
    // extensions [3] EXPLICIT: context-specific, constructed, number 3.
    if (field.tag === 0xa3) {
      if (extsField) throw new DerError('two extensions fields');
      extsField = field;
    }
  }
  const seen = new Set<string>();
  let isCa = false;
  let pathLen: number | undefined;
  let keyUsage: number | undefined;
  let extKeyUsage: string[] | undefined;
  const uris: string[] = [];
  const unhandledCritical: string[] = [];
  if (extsField) {
    const list = expectTlv(der, extsField.start, extsField.end, TAG_SEQUENCE);
    if (list.end !== extsField.end) throw new DerError('trailing data in extensions');
    for (const ext of children(der, list)) {
      if (ext.tag !== TAG_SEQUENCE) throw new DerError('extension is not a SEQUENCE');
      const parts = children(der, ext);
      const oid = decodeOid(der, parts[0] ?? missing());
      let critical = false;
      let valueTlv = parts[1] ?? missing();
      if (valueTlv.tag === TAG_BOOLEAN) {
        critical = decodeBoolean(der, valueTlv);
        valueTlv = parts[2] ?? missing();
        if (parts.length !== 3) throw new DerError('extension has extra fields');
      } else if (parts.length !== 2) {
        throw new DerError('extension has extra fields');
      }
      if (valueTlv.tag !== TAG_OCTET_STRING) throw new DerError('extnValue is not an OCTET STRING');
      if (seen.has(oid)) throw new DerError(`duplicate extension ${oid}`);
      seen.add(oid);
      if (critical && !UNDERSTOOD.has(oid)) unhandledCritical.push(oid);
      const value = der.subarray(valueTlv.start, valueTlv.end);
      switch (oid) {
        case OID_BASIC_CONSTRAINTS: {
          const bc = parseBasicConstraints(value);
          isCa = bc.isCa;
          pathLen = bc.pathLen;
          break;
        }
        case OID_KEY_USAGE:
          keyUsage = parseKeyUsage(value);
          break;
        case OID_EXT_KEY_USAGE:
          extKeyUsage = parseExtKeyUsage(value);
          break;
        case OID_SUBJECT_ALT_NAME:
          uris.push(...parseSanUris(value));
          break;
      }
    }
  }
  return { isCa, pathLen, keyUsage, extKeyUsage, uris, unhandledCritical };
}

function missing(): never {
  throw new DerError('extension is missing a field');
}

function whole(value: Uint8Array, tag: number): Tlv {
  const tlv = expectTlv(value, 0, value.length, tag);
  if (tlv.end !== value.length) throw new DerError('trailing data in extension value');
  return tlv;
}

/** BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL } */
export function parseBasicConstraints(value: Uint8Array): { isCa: boolean; pathLen?: number } {
  const seq = whole(value, TAG_SEQUENCE);
  const parts = children(value, seq);
  let i = 0;
  let isCa = false;
  if (parts[i]?.tag === TAG_BOOLEAN) isCa = decodeBoolean(value, parts[i++]!);
  let pathLen: number | undefined;
  if (parts[i]) pathLen = decodeSmallUnsigned(value, parts[i++]!);
  if (i !== parts.length) throw new DerError('basicConstraints has extra fields');
  return { isCa, pathLen };
}

/**
 * KeyUsage ::= BIT STRING. Returns a mask where bit n is RFC 5280 key usage bit n
 * (the BIT STRING's first bit, the MSB of its first content octet, is bit 0).
 */
export function parseKeyUsage(value: Uint8Array): number {
  const bits = whole(value, TAG_BIT_STRING);
  const len = bits.end - bits.start;
  if (len < 1) throw new DerError('empty BIT STRING');
  const unused = value[bits.start]!;
  if (unused > 7 || (len === 1 && unused !== 0)) throw new DerError('bad BIT STRING padding');
  // Key usage defines 9 bits; more than two content octets is malformed for this extension.
  if (len > 3) throw new DerError('keyUsage too long');
  let mask = 0;
  for (let octet = 0; octet < len - 1; octet++) {
    const byte = value[bits.start + 1 + octet]!;
    for (let bit = 0; bit < 8; bit++) {
      if (byte & (0x80 >> bit)) mask |= 1 << (octet * 8 + bit);
    }
  }
  return mask;
}

/** ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId (OIDs). */
export function parseExtKeyUsage(value: Uint8Array): string[] {
  const seq = whole(value, TAG_SEQUENCE);
  const out = children(value, seq).map((tlv) => {
    if (tlv.tag !== TAG_OID) throw new DerError('extKeyUsage entry is not an OID');
    return decodeOid(value, tlv);
  });
  if (out.length === 0) throw new DerError('empty extKeyUsage');
  return out;
}

/** GeneralNames ::= SEQUENCE OF GeneralName; returns the uniformResourceIdentifier [6] entries. */
export function parseSanUris(value: Uint8Array): string[] {
  const seq = whole(value, TAG_SEQUENCE);
  const uris: string[] = [];
  for (const name of children(value, seq)) {
    if ((name.tag & 0xc0) !== 0x80) throw new DerError('GeneralName is not context-specific');
    if ((name.tag & 0x1f) !== 6) continue;
    // [6] IMPLICIT IA5String must be primitive.
    if (name.tag !== 0x86) throw new DerError('constructed URI SAN');
    let s = '';
    for (let i = name.start; i < name.end; i++) {
      const c = value[i]!;
      if (c > 0x7f) throw new DerError('URI SAN is not IA5');
      s += String.fromCharCode(c);
    }
    uris.push(s);
  }
  return uris;
}
