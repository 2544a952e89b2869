import { originForm } from './request-target.js';

describe(originForm.name, () => {
  it('leaves a path and its query as they are', () => {
    expect(originForm('/mobile/profile?x=1')).toBe('/mobile/profile?x=1');
  });

  it('keeps only the path and query of an absolute URL, whatever the case of its scheme', () => {
    expect(originForm('http://gateway.test:3002/web/api/users/u1?fields=name')).toBe(
      '/web/api/users/u1?fields=name',
    );
    expect(originForm('HTTPS://Gateway.Test/web/dashboard')).toBe('/web/dashboard');
  });

  it('reads an absolute URL without a path as the root', () => {
    expect(originForm('http://gateway.test')).toBe('/');
    expect(originForm('http://gateway.test?x=1')).toBe('/?x=1');
  });

  it('leaves what is no absolute http URL for the router to refuse', () => {
    expect(originForm('*')).toBe('*');
    expect(originForm('ftp://gateway.test/file')).toBe('ftp://gateway.test/file');
    expect(originForm('http:///no-host')).toBe('http:///no-host');
    expect(originForm('http://gateway.test/a#/b')).toBe('http://gateway.test/a#/b');
  });
});
