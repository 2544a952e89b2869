import { withoutCredentials } from './without-credentials.js';

describe(withoutCredentials.name, () => {
  it('drops the user and password of an instance URL', () => {
    expect(withoutCredentials('http://svc:s3cret@users-1:8080')).toBe('http://users-1:8080');
    expect(withoutCredentials('https://svc:s3cret@users.internal/api/v2')).toBe(
      'https://users.internal/api/v2',
    );
    expect(withoutCredentials('http://only-user@10.0.0.7:8080')).toBe('http://10.0.0.7:8080');
  });

  it('leaves a URL without credentials exactly as configured', () => {
    expect(withoutCredentials('http://127.0.0.1:4001')).toBe('http://127.0.0.1:4001');
    expect(withoutCredentials('http://[::1]:4001/base')).toBe('http://[::1]:4001/base');
  });
});
