import { z } from 'zod';

/** The preferences as the web app edits them: everything but the owner's id, which the caller already is. */
export const webPreferencesSchema = z.object({
  language: z.string(),
  currency: z.string(),
  theme: z.string(),
  notifications: z.object({ email: z.boolean(), push: z.boolean(), sms: z.boolean() }),
  marketingOptIn: z.boolean(),
  updatedAt: z.string(),
});

export type WebPreferences = z.infer<typeof webPreferencesSchema>;
