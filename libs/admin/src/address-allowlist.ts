import { BlockList, isIP } from 'node:net';

/**
 * Whether an address is on a list of addresses and CIDR ranges (validated
 * by the config schema). node:net's BlockList does the matching, IPv4
 * addresses seen as IPv4-mapped IPv6 (`::ffff:10.0.0.1`) included. An
 * empty list allows every address.
 */
export function addressAllowlist(entries: readonly string[]): (address: string) => boolean {
  if (entries.length === 0) {
    return () => true;
  }
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) {
      list.addAddress(address, family);
    } else {
      list.addSubnet(address, Number(bits), family);
    }
  }
  return (address) => {
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
}
