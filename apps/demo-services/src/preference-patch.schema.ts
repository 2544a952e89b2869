import { z } from 'zod';
import { THEMES } from './preference-data.js';

/** A partial preference document; strict, so a misspelt field is an error rather than silently ignored. */
export const preferencePatchSchema = z.strictObject(
  {
    // BCP-47-ish: a language, an optional script and an optional region (en, pt-BR, zh-Hant-TW, es-419).
    language: z
      .string()
      .regex(/^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$/, {
        error: 'must be a language tag like en or pt-BR',
      })
      .optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, { error: 'must be an ISO 4217 currency code like EUR' })
      .optional(),
    theme: z.enum(THEMES, { error: `must be one of ${THEMES.join(', ')}` }).optional(),
    notifications: z
      .strictObject(
        {
          email: z.boolean().optional(),
          push: z.boolean().optional(),
          sms: z.boolean().optional(),
        },
        { error: 'must be an object of email, push and sms booleans' },
      )
      .optional(),
    marketingOptIn: z.boolean().optional(),
  },
  { error: 'must be a JSON object' },
);

export type PreferencePatch = z.output<typeof preferencePatchSchema>;
