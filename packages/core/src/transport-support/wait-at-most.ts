/**
 * Waits for `work` to settle, but at most `ms`; the work goes on either way and its outcome is not
 * passed on. For a close that lets what is in flight finish when it can (publishes, a last commit)
 * without letting a broker that is gone hold it. The timer does not keep the process alive.
 */
export async function waitAtMost(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  try {
    await Promise.race([
      work.then(
        () => undefined,
        () => undefined,
      ),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
