import { z } from 'zod';

/** The fields a client may change; anything else, or any wrong value, is a 400 naming the field. */
export const preferencesPatchSchema = z
  .strictObject({
    language: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$/, {
      error: 'must be a language tag such as en, fr or pt-BR',
    }),
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
      }),
    marketingOptIn: z.boolean({ error: 'must be true or false' }),
  })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, { error: 'must change at least one field' });

export type PreferencesPatchDto = z.infer<typeof preferencesPatchSchema>;
