/**
 * Waits for `work` to settle, but at most `ms`; the work goes on either way and its outcome is not
 * passed on. For a close that lets what is in flight finish when it can (publishes, a last commit)
 * without letting a broker that is gone hold it. The timer does not keep the process alive.
 * Resolves `true` when the work settled in time, `false` when the wait ran out.
 */
export async function waitAtMost(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
