import type { StandardSchemaV1 } from '@standard-schema/spec';

/** A hand-written Standard Schema (no validator dependency): `{ n: number }`. */
export const itemSchema: StandardSchemaV1<unknown, { n: number }> = {
  '~standard': {
    version: 1,
    vendor: 'switchyard-testkit',
    validate(value) {
      if (typeof value === 'object' && value !== null && typeof (value as { n?: unknown }).n === 'number') {
        return { value: value as { n: number } };
      }
      return { issues: [{ message: 'expected an object with a numeric `n`', path: ['n'] }] };
    },
  },
};
