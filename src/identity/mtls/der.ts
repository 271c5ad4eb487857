/**
 * A minimal, strict DER reader: just enough to walk a certificate to its extensions.
 *
 * `node:crypto` `X509Certificate` parses the certificate (OpenSSL) but does not expose the
 * key usage bits, the path length constraint, the raw URI SANs or extension criticality, so
 * those few extensions are read here. Every read is bounds-checked against its parent; BER
 * forms DER forbids (indefinite lengths, non-minimal lengths, high tag numbers) are refused.
 */

/** Thrown for malformed input; callers turn it into a deny, never a crash. */
export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerError';
  }
}

/** One tag-length-value: `tag` is the identifier octet; content is `buf[start, end)`. */
export interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly end: number;
}

export const TAG_BOOLEAN = 0x01;
export const TAG_INTEGER = 0x02;
export const TAG_BIT_STRING = 0x03;
export const TAG_OCTET_STRING = 0x04;
export const TAG_OID = 0x06;
export const TAG_SEQUENCE = 0x30;

/** Read the TLV that starts at `pos` and must end at or before `limit`. */
export function readTlv(buf: Uint8Array, pos: number, limit: number): Tlv {
  if (pos + 2 > limit) throw new DerError('truncated');
  const tag = buf[pos]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not supported');
  let len = buf[pos + 1]!;
  let start = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) throw new DerError('indefinite length');
    if (n > 3) throw new DerError('length too large');
    if (start + n > limit) throw new DerError('truncated length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i]!;
    if (buf[start] === 0 || len < 0x80) throw new DerError('non-minimal length');
    start += n;
  }
  const end = start + len;
  if (end > limit) throw new DerError('content overruns its container');
  return { tag, start, end };
}

/** Read a TLV and require its tag. */
export function expectTlv(buf: Uint8Array, pos: number, limit: number, tag: number): Tlv {
  const tlv = readTlv(buf, pos, limit);
  if (tlv.tag !== tag)
    throw new DerError(`expected tag 0x${tag.toString(16)}, got 0x${tlv.tag.toString(16)}`);
  return tlv;
}

/** All direct children of a constructed TLV, which must exactly fill it. */
export function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let pos = parent.start;
  while (pos < parent.end) {
    const tlv = readTlv(buf, pos, parent.end);
    out.push(tlv);
    pos = tlv.end;
  }
  return out;
}

/** Decode an OBJECT IDENTIFIER's content to dotted form (`2.5.29.15`). */
export function decodeOid(buf: Uint8Array, tlv: Tlv): string {
  if (tlv.tag !== TAG_OID) throw new DerError('expected an OID');
  if (tlv.end === tlv.start) throw new DerError('empty OID');
  const arcs: number[] = [];
  let value = 0;
  let first = true;
  for (let i = tlv.start; i < tlv.end; i++) {
    const b = buf[i]!;
    // A leading 0x80 would be a non-minimal arc encoding.
    if (value === 0 && b === 0x80) throw new DerError('non-minimal OID arc');
    value = value * 128 + (b & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new DerError('OID arc too large');
    if (b & 0x80) continue;
    if (first) {
      const top = value < 40 ? 0 : value < 80 ? 1 : 2;
      arcs.push(top, value - top * 40);
      first = false;
    } else {
      arcs.push(value);
    }
    value = 0;
  }
  if (buf[tlv.end - 1]! & 0x80) throw new DerError('truncated OID arc');
  return arcs.join('.');
}

/** Decode a DER BOOLEAN (0x00 or 0xff). */
export function decodeBoolean(buf: Uint8Array, tlv: Tlv): boolean {
  if (tlv.tag !== TAG_BOOLEAN || tlv.end - tlv.start !== 1) throw new DerError('expected a BOOLEAN');
  const b = buf[tlv.start]!;
  if (b === 0xff) return true;
  if (b === 0x00) return false;
  throw new DerError('BOOLEAN is neither 0x00 nor 0xff');
}

/** Decode a small non-negative INTEGER (path length constraints); refuses anything above 2^31. */
export function decodeSmallUnsigned(buf: Uint8Array, tlv: Tlv): number {
  const len = tlv.end - tlv.start;
  if (tlv.tag !== TAG_INTEGER || len < 1 || len > 5) throw new DerError('expected a small INTEGER');
  if (buf[tlv.start]! & 0x80) throw new DerError('negative INTEGER');
  if (len > 1 && buf[tlv.start] === 0 && !(buf[tlv.start + 1]! & 0x80))
    throw new DerError('non-minimal INTEGER');
  let v = 0;
  for (let i = tlv.start; i < tlv.end; i++) v = v * 256 + buf[i]!;
  if (v > 0x7fffffff) throw new DerError('INTEGER too large');
  return v;
}
