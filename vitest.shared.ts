/**
 * Inside the workspace, `@switchyard/*` imports resolve to the TypeScript sources through the
 * `@switchyard/source` export condition, listed first in every package's `exports`; outside it the
 * condition is unknown and `types`/`default` (dist/) apply. Vite takes its server-side conditions
 * from `ssr.resolve.conditions` (and passes them on to Vitest's workers as `--conditions`), so every
 * project config spreads this object: tests run the sources with no build step.
 *
 * Vite replaces its default conditions with a configured list, so the defaults follow ours.
 */
export const SOURCE_CONDITION = '@switchyard/source';

const conditions = [SOURCE_CONDITION, 'module', 'node', 'development|production'];

export const sourceConditions = {
  resolve: { conditions },
  ssr: { resolve: { conditions } },
};
