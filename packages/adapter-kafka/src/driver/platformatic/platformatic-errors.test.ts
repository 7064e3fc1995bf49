import { MultipleErrors, ResponseError } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { onlyApiId } from './platformatic-errors.ts';

describe('onlyApiId (a CreateTopics answer where every topic named exists already)', () => {
  // ProtocolError codes: 36 TOPIC_ALREADY_EXISTS, 38 INVALID_REPLICATION_FACTOR.
  const answer = (codes: Record<string, number>) =>
    new MultipleErrors('Creating topics failed.', [
      new ResponseError(
        19,
        7,
        Object.fromEntries(Object.entries(codes).map(([path, code]) => [path, [code, null]])),
        {},
      ),
    ]);

  it('is true when each failed topic exists already', () => {
    expect(onlyApiId(answer({ '/topics/0': 36, '/topics/2': 36 }), 'TOPIC_ALREADY_EXISTS')).toBe(true);
  });

  it('is false when one topic failed for another reason, or for an error with no broker code', () => {
    expect(onlyApiId(answer({ '/topics/0': 36, '/topics/1': 38 }), 'TOPIC_ALREADY_EXISTS')).toBe(false);
    expect(
      onlyApiId(
        new MultipleErrors('Creating topics failed.', [new Error('ECONNREFUSED')]),
        'TOPIC_ALREADY_EXISTS',
      ),
    ).toBe(false);
    expect(onlyApiId(new MultipleErrors('Creating topics failed.', []), 'TOPIC_ALREADY_EXISTS')).toBe(false);
  });
});
