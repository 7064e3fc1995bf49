import { describe, expect, it } from 'vitest';
import { parseEvents } from './event-input.ts';
import { CliError } from './exit-codes.ts';

const refusal = (text: string): CliError => {
  try {
    parseEvents(text, {}, 'stdin');
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error('the input was accepted');
};

describe('parseEvents', () => {
  it.each([
    ['key', '{"type":"t","data":1,"key":7}'],
    ['id', '{"type":"t","data":1,"id":7}'],
    ['subject', '{"type":"t","data":1,"subject":true}'],
    ['tenant', '{"type":"t","data":1,"tenant":{}}'],
    ['correlationId', '{"type":"t","data":1,"correlationId":[]}'],
    ['time', '{"type":"t","data":1,"time":1700000000}'],
  ])(
    'refuses a line whose %s is not a string: INVALID_EVENT, exit 2, naming the line and the field',
    (field, line) => {
      const error = refusal(`{"type":"t","data":0}\n${line}\n`);
      expect(error).toMatchObject({ code: 'INVALID_EVENT', exitCode: 2 });
      expect(error.message).toMatch(new RegExp(`^stdin line 2: .*${field}.* must be`));
    },
  );

  it('refuses a time that is not RFC 3339, naming the line', () => {
    const error = refusal('{"type":"t","data":1,"time":"yesterday"}');
    expect(error).toMatchObject({ code: 'INVALID_EVENT', exitCode: 2 });
    expect(error.message).toMatch(/^stdin: `time` must be an RFC 3339 timestamp/);
  });

  it('takes a well-formed event with every field', () => {
    const [event] = parseEvents(
      '{"type":"t","data":{"n":1},"key":"k","id":"i","subject":"s","time":"2026-12-06T10:00:00Z","tenant":"a","correlationId":"c","headers":{"x":"y"}}',
      {},
      'stdin',
    );
    expect(event).toMatchObject({
      type: 't',
      key: 'k',
      id: 'i',
      time: '2026-12-06T10:00:00Z',
      headers: { x: 'y' },
    });
  });
});
