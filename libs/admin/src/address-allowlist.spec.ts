import { addressAllowlist } from './address-allowlist.js';

describe(addressAllowlist.name, () => {
  it('allows every address when the list is empty', () => {
    const allowed = addressAllowlist([]);

    expect(allowed('203.0.113.7')).toBe(true);
    expect(allowed('2001:db8::1')).toBe(true);
  });

  it('allows single addresses and CIDR ranges, and nothing else', () => {
    const allowed = addressAllowlist(['10.0.0.0/8', '192.168.1.10', '2001:db8::/32']);

    expect(allowed('10.200.3.4')).toBe(true);
    expect(allowed('192.168.1.10')).toBe(true);
    expect(allowed('2001:db8:1::5')).toBe(true);
    expect(allowed('192.168.1.11')).toBe(false);
    expect(allowed('11.0.0.1')).toBe(false);
    expect(allowed('2001:db9::1')).toBe(false);
  });

  it('matches an IPv4 address seen as IPv4-mapped IPv6, as a dual-stack socket reports it', () => {
    expect(addressAllowlist(['127.0.0.1'])('::ffff:127.0.0.1')).toBe(true);
  });

  it('refuses anything that is not an address', () => {
    const allowed = addressAllowlist(['10.0.0.0/8']);

    expect(allowed('')).toBe(false);
    expect(allowed('10.0.0.1, 8.8.8.8')).toBe(false);
    expect(allowed('localhost')).toBe(false);
  });
});
