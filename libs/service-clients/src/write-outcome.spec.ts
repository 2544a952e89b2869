import { ProblemError } from '@app/problem';
import {
  UpstreamAtCapacityError,
  UpstreamBadResponseError,
  UpstreamNotFoundError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from './upstream.error.js';
import { writeMayHaveLanded } from './write-outcome.js';

describe(writeMayHaveLanded.name, () => {
  it('keeps the cached data when the change was never sent', () => {
    expect(writeMayHaveLanded(new UpstreamUnavailableError('preference', { failedFast: true }))).toBe(false);
    expect(writeMayHaveLanded(new UpstreamAtCapacityError('preference'))).toBe(false);
    expect(
      writeMayHaveLanded(new UpstreamUnavailableError('preference', { connection: true, unsent: true })),
    ).toBe(false);
    expect(writeMayHaveLanded(new UpstreamTimeoutError('preference', { failedFast: true }))).toBe(false);
  });

  it('keeps the cached data when the service refused the change', () => {
    expect(writeMayHaveLanded(new UpstreamNotFoundError('preference', 'The record'))).toBe(false);
    const conflict = new ProblemError('conflict', 'Refused.', {
      cause: new UpstreamBadResponseError('preference', { status: 409 }),
    });
    expect(writeMayHaveLanded(conflict)).toBe(false);
  });

  it('drops the cached data when an earlier attempt of a retried change reached the service', () => {
    const refused = new UpstreamUnavailableError('preference', { connection: true, unsent: true });
    refused.earlierAttemptSent = true;
    expect(writeMayHaveLanded(refused)).toBe(true);
  });

  it('drops the cached data when the change may have been made and its answer lost', () => {
    expect(writeMayHaveLanded(new UpstreamTimeoutError('preference'))).toBe(true);
    expect(writeMayHaveLanded(new UpstreamUnavailableError('preference', { connection: true }))).toBe(true);
    expect(writeMayHaveLanded(new UpstreamBadResponseError('preference', { status: 500 }))).toBe(true);
    expect(writeMayHaveLanded(new UpstreamBadResponseError('preference'))).toBe(true);
    expect(writeMayHaveLanded(new Error('a bug of ours'))).toBe(true);
  });
});
