/** The messages `process.emitWarning` was given while `run` ran (they are not printed). */
export function warningsDuring(run: () => unknown): string[] {
  const said: string[] = [];
  const original = process.emitWarning;
  process.emitWarning = ((warning: string | Error) => {
    said.push(String(warning instanceof Error ? warning.message : warning));
  }) as typeof process.emitWarning;
  try {
    run();
  } finally {
    process.emitWarning = original;
  }
  return said;
}
