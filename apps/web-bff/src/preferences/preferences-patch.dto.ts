import { z } from 'zod';

/**
 * A language tag in BCP 47's canonical case (RFC 5646 §2.1.1): a script
 * title-cased, a region upper-cased, anything else lower-cased. Clients
 * send `en-us` and `zh-hant` as often as `en-US`; a service that compares
 * tags as text refuses or misfiles them.
 */
export function canonicalLanguageTag(tag: string): string {
  return tag
    .split('-')
    .map((subtag, index) => {
      if (index > 0 && /^[A-Za-z]{4}$/.test(subtag)) {
        return subtag[0].toUpperCase() + subtag.slice(1).toLowerCase();
      }
      return index > 0 && /^[A-Za-z]{2}$/.test(subtag) ? subtag.toUpperCase() : subtag.toLowerCase();
    })
    .join('-');
}

/** The fields a client may change; anything else, or any wrong value, is a 400 naming the field. */
export const preferencesPatchSchema = z
  .strictObject({
    language: z
      .string()
      .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$/, {
        error: 'must be a language tag such as en, fr or pt-BR',
      })
      .overwrite(canonicalLanguageTag),
    currency: z.string().regex(/^[A-Z]{3}$/, { error: 'must be an ISO 4217 code such as EUR' }),
    theme: z.enum(['light', 'dark', 'system'], { error: 'must be light, dark or system' }),
    notifications: z
      .strictObject({
        email: z.boolean({ error: 'must be true or false' }),
        push: z.boolean({ error: 'must be true or false' }),
        sms: z.boolean({ error: 'must be true or false' }),
      })
      .partial()
      // An empty object would pass for a change and write nothing.
      .refine((notifications) => Object.keys(notifications).length > 0, {
        error: 'must change at least one of email, push and sms',
        // An unknown field is the mistake to tell, not the emptiness that follows from it.
        when: ({ issues }) => issues.length === 0,
      })
      // The refinement's rule as the JSON Schema in the OpenAPI document states it: zod leaves refinements out.
      .meta({ minProperties: 1 }),
    marketingOptIn: z.boolean({ error: 'must be true or false' }),
  })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, {
    error: 'must change at least one field',
    when: ({ issues }) => issues.length === 0,
  })
  .meta({ minProperties: 1 });

export type PreferencesPatchDto = z.infer<typeof preferencesPatchSchema>;
