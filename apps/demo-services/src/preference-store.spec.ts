import { demoPreferences } from './preference-data.js';
import { PreferenceStore } from './preference-store.js';

const NOW = new Date('2025-10-02T12:00:00.000Z');

describe('PreferenceStore', () => {
  it('serves the generated preferences until a user is patched', () => {
    expect(new PreferenceStore().get('u1')).toEqual(demoPreferences('u1'));
  });

  it('merges a patch field by field, notifications included, and stamps updatedAt', () => {
    const store = new PreferenceStore();
    const before = demoPreferences('u1');
    const updated = store.update(
      'u1',
      { theme: 'dark', notifications: { sms: !before.notifications.sms } },
      NOW,
    );
    expect(updated).toEqual({
      ...before,
      theme: 'dark',
      notifications: { ...before.notifications, sms: !before.notifications.sms },
      updatedAt: NOW.toISOString(),
    });
    expect(store.get('u1')).toEqual(updated);
  });

  it('refuses users that do not exist', () => {
    expect(new PreferenceStore().update('missing-1', { theme: 'dark' }, NOW)).toBeUndefined();
  });

  it('forgets the least recently patched user beyond its bound', () => {
    const store = new PreferenceStore(2);
    store.update('u1', { theme: 'dark' }, NOW);
    store.update('u2', { theme: 'dark' }, NOW);
    store.update('u1', { language: 'fr' }, NOW);
    store.update('u3', { theme: 'dark' }, NOW);
    expect(store.get('u2')).toEqual(demoPreferences('u2'));
    expect(store.get('u1')).toMatchObject({ theme: 'dark', language: 'fr' });
    expect(store.get('u3')).toMatchObject({ theme: 'dark' });
  });
});
