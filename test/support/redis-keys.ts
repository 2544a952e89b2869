import { Redis } from 'ioredis';

/**
 * Deletes what a run left under its prefix: cache entries are kept for a day
 * (their stale-if-error window) and owner indexes for a week, which a shared
 * development Redis should not collect. For the suites and the benchmark
 * alike, so it depends on nothing of either.
 */
export async function deleteKeysWithPrefix(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) {
        await client.unlink(...keys);
      }
    } while (cursor !== '0');
  } finally {
    await client.quit();
  }
}
