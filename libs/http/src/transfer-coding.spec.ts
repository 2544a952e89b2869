import { transferCodingProblem } from './transfer-coding.js';

describe(transferCodingProblem.name, () => {
  it('takes a request without Transfer-Encoding, or plain chunked in any case', () => {
    expect(transferCodingProblem(undefined)).toBeUndefined();
    expect(transferCodingProblem('chunked')).toBeUndefined();
    expect(transferCodingProblem('Chunked')).toBeUndefined();
  });

  it('refuses a coding applied before chunked, and chunked applied twice', () => {
    expect(transferCodingProblem('gzip, chunked')).toBeDefined();
    expect(transferCodingProblem('chunked, chunked')).toBeDefined();
    expect(transferCodingProblem('identity')).toBeDefined();
  });
});
