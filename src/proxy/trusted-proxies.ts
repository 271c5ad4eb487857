import { BlockList, isIP } from 'node:net';

/** Strip the IPv4-mapped IPv6 prefix so `::ffff:10.0.0.1` and `10.0.0.1` compare equal. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** The set of peers whose forwarding headers are believed (`proxy.trustedProxies`). */
export class TrustedProxies {
  readonly #list = new BlockList();
  readonly #empty: boolean;

  constructor(cidrs: readonly string[]) {
    this.#empty = cidrs.length === 0;
    for (const cidr of cidrs) {
      const [addr, bits] = cidr.split('/') as [string, string | undefined];
      const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
      if (isIP(addr) === 0) throw new Error(`invalid address in trusted proxy CIDR "${cidr}"`);
      if (bits === undefined) this.#list.addAddress(addr, family);
      else this.#list.addSubnet(addr, Number(bits), family);
    }
  }

  /** Whether a peer address is a trusted proxy. */
  has(address: string): boolean {
    if (this.#empty) return false;
    const plain = plainAddress(address);
    const family = isIP(plain);
    if (family === 0) return false;
    return this.#list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  }

  /**
   * The client address: the peer, unless the peer is trusted; then X-Forwarded-For is read
   * from the right, skipping trusted hops, and the first untrusted address is the client.
   * A malformed entry stops the walk there (the last good address is used).
   */
  clientAddress(peer: string, xff: string | string[] | undefined, peerTrusted = this.has(peer)): string {
    const plainPeer = plainAddress(peer);
    if (xff === undefined || !peerTrusted) return plainPeer;
    const hops = (Array.isArray(xff) ? xff.join(',') : xff).split(',');
    let client = plainPeer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = plainAddress(hops[i]!.trim());
      if (isIP(hop) === 0) break;
      client = hop;
      if (!this.has(hop)) break;
    }
    return client;
  }
}
