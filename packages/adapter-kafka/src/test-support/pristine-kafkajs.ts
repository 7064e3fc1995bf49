import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * Fresh copies of kafkajs modules (paths under `kafkajs/src/`), loaded beside the copies the
 * adapter patched, which are put back in the module cache afterwards: the reference the adapter's
 * replacements are compared with. Listing a module also reloads it for the ones that require it.
 */
export function pristineKafkajs(modules: readonly string[]): unknown[] {
  const paths = modules.map((p) => require.resolve(`kafkajs/src/${p}`));
  const saved = paths.map((p) => require.cache[p]);
  for (const p of paths) delete require.cache[p];
  try {
    return paths.map((p) => require(p) as unknown);
  } finally {
    paths.forEach((p, i) => {
      require.cache[p] = saved[i];
    });
  }
}
