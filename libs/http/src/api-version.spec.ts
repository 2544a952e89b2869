import { dropBlankVersion } from './api-version.js';

describe(dropBlankVersion.name, () => {
  it('takes an empty or blank version header for none, so the default version answers', () => {
    for (const blank of ['', '  ', '\t']) {
      const headers: Record<string, string> = { 'x-api-version': blank, host: 'a.test' };
      dropBlankVersion(headers);
      expect(headers).toEqual({ host: 'a.test' });
    }
  });

  it('leaves a version that is asked for as it is', () => {
    const headers = { 'x-api-version': '2' };
    dropBlankVersion(headers);
    expect(headers).toEqual({ 'x-api-version': '2' });
  });
});
