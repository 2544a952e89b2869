import { canonicalLanguageTag, preferencesPatchSchema } from './preferences-patch.dto.js';

describe(canonicalLanguageTag.name, () => {
  it('writes a tag the way a service comparing tags expects it, whatever case the client used', () => {
    expect(canonicalLanguageTag('en-us')).toBe('en-US');
    expect(canonicalLanguageTag('zh-hant-tw')).toBe('zh-Hant-TW');
    expect(canonicalLanguageTag('sr-LATN-rs')).toBe('sr-Latn-RS');
    expect(canonicalLanguageTag('es-419')).toBe('es-419');
    expect(canonicalLanguageTag('de-1996')).toBe('de-1996');
    expect(canonicalLanguageTag('fr')).toBe('fr');
  });
});

describe('the preferences patch schema', () => {
  it('passes on a language tag in canonical case', () => {
    expect(preferencesPatchSchema.parse({ language: 'pt-br' })).toEqual({ language: 'pt-BR' });
  });

  it('takes a language subtag in upper case too, as BCP 47 tags are case-insensitive', () => {
    expect(preferencesPatchSchema.parse({ language: 'EN' })).toEqual({ language: 'en' });
    expect(preferencesPatchSchema.parse({ language: 'EN-us' })).toEqual({ language: 'en-US' });
  });
});

describe('what a patch with only unknown fields is told', () => {
  it('names the unknown field alone, not also an emptiness that follows from it', () => {
    const parsed = preferencesPatchSchema.safeParse({ foo: 1 });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.code)).toEqual(['unrecognized_keys']);

    const nested = preferencesPatchSchema.safeParse({ notifications: { fax: true } });
    expect(nested.error?.issues.map((issue) => issue.code)).toEqual(['unrecognized_keys']);
  });

  it('still refuses an empty patch, and empty notifications', () => {
    expect(preferencesPatchSchema.safeParse({}).error?.issues[0].message).toBe(
      'must change at least one field',
    );
    expect(preferencesPatchSchema.safeParse({ notifications: {} }).error?.issues[0].message).toBe(
      'must change at least one of email, push and sms',
    );
  });
});
