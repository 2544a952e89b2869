import { trackerFor } from './tracker.js';

describe(trackerFor.name, () => {
  it('counts a signed-in user by id, an API consumer by name, anyone else by address', () => {
    expect(trackerFor({ kind: 'user', id: 'u1', roles: [] }, '10.0.0.1')).toBe('user:u1');
    expect(trackerFor({ kind: 'consumer', id: 'partner-acme', roles: [] }, '10.0.0.1')).toBe(
      'consumer:partner-acme',
    );
    expect(trackerFor(undefined, '10.0.0.1')).toBe('ip:10.0.0.1');
  });
});
