import { foreignCharset } from './body-charset.js';

describe(foreignCharset.name, () => {
  it('takes JSON in UTF-8, however the charset is written, and a Content-Type that names none', () => {
    for (const type of [
      'application/json',
      'application/json; charset=utf-8',
      'application/json;charset=UTF-8',
      'application/json; charset="utf-8"',
      'application/json; charset=us-ascii',
    ]) {
      expect(foreignCharset(type)).toBeUndefined();
    }
  });

  it('names a charset a JSON body cannot be in', () => {
    expect(foreignCharset('application/json; charset=utf-16')).toBe('utf-16');
    expect(foreignCharset('application/json; CHARSET="ISO-8859-1"')).toBe('iso-8859-1');
  });
});
