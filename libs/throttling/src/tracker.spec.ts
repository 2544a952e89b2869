import { trackerFor, trackerKindOf } from './tracker.js';

describe(trackerFor.name, () => {
  it('counts a signed-in user by id, an API consumer by name, anyone else by address', () => {
    expect(trackerFor({ kind: 'user', id: 'u1', roles: [] }, '10.0.0.1')).toBe('user:u1');
    expect(trackerFor({ kind: 'consumer', id: 'partner-acme', roles: [] }, '10.0.0.1')).toBe(
      'consumer:partner-acme',
    );
    expect(trackerFor(undefined, '10.0.0.1')).toBe('ip:10.0.0.1');
    expect(trackerFor(undefined, '10.0.0.1:40001')).toBe('ip:10.0.0.1');
    expect(trackerFor(undefined, '[2001:db8::1]:40001')).toBe('ip:2001:db8::1');
    expect(trackerFor(undefined, '2001:db8::1')).toBe('ip:2001:db8::1');
  });
});

describe(trackerKindOf.name, () => {
  it('names the kind of caller and drops the id or address', () => {
    expect(trackerKindOf('user:u1')).toBe('user');
    expect(trackerKindOf('consumer:partner-acme')).toBe('consumer');
    expect(trackerKindOf('ip:10.0.0.1')).toBe('ip');
    expect(trackerKindOf('ip:::1')).toBe('ip');
  });

  it('files anything it does not recognise under ip, so a label never carries an unknown value', () => {
    expect(trackerKindOf('user')).toBe('ip');
    expect(trackerKindOf('admin:root')).toBe('ip');
  });
});
