// pnpm hooks for this workspace. Only packing is customised; installs are untouched.
//
// beforePacking shapes the package.json that `pnpm pack` / `pnpm publish` put in the tarball: the
// `@switchyard/source` export condition (workspace-only, pointing at src/ which is not published)
// is removed from `exports`, and the workspace's scripts and devDependencies are dropped.
const SOURCE_CONDITION = '@switchyard/source';

function withoutSourceCondition(target) {
  if (target === null || typeof target !== 'object' || Array.isArray(target)) return target;
  return Object.fromEntries(
    Object.entries(target)
      .filter(([key]) => key !== SOURCE_CONDITION)
      .map(([key, value]) => [key, withoutSourceCondition(value)]),
  );
}

export const hooks = {
  beforePacking(pkg) {
    const { scripts: _scripts, devDependencies: _devDependencies, ...published } = pkg;
    if (published.exports !== undefined) published.exports = withoutSourceCondition(published.exports);
    return published;
  },
};
