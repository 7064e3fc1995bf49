import type { ErrorReport } from '../options.ts';

export interface ConsoleReporterOptions {
  /** Lines printed per kind of report (operation and topic) in each window. @default 10 */
  readonly burst?: number;
  /** @default 10_000 */
  readonly windowMs?: number;
  readonly write?: (line: string) => void;
}

/** The default `onError`: a function, plus `flush()` for the bus's close. */
export interface ConsoleReporter {
  (error: Error, report: ErrorReport): void;
  /** Prints what is still counted and stops the timers. */
  flush(): void;
}

interface Window {
  printed: number;
  suppressed: number;
  readonly report: ErrorReport;
  readonly timer: NodeJS.Timeout;
}

/**
 * The bus's default `onError`: one line per report on `console.error`, at most `burst` lines of a
 * kind (operation and topic) per window; the rest are counted, and the count is printed when the
 * window ends (or the bus closes), so a flood of poison events cannot flood the log or slow the
 * consumer with synchronous writes.
 */
export function consoleReporter(options: ConsoleReporterOptions = {}): ConsoleReporter {
  const burst = options.burst ?? 10;
  const windowMs = options.windowMs ?? 10_000;
  const write = options.write ?? ((line: string) => console.error(line));
  const windows = new Map<string, Window>();

  const end = (kind: string): void => {
    const window = windows.get(kind);
    if (window === undefined) return;
    clearTimeout(window.timer);
    windows.delete(kind);
    if (window.suppressed > 0) write(suppressedLine(window.suppressed, window.report, windowMs));
  };

  const reporter = ((error: Error, report: ErrorReport): void => {
    const kind = `${report.operation}\u0000${report.topic ?? ''}`;
    let window = windows.get(kind);
    if (window === undefined) {
      const timer = setTimeout(() => end(kind), windowMs);
      timer.unref();
      window = { printed: 0, suppressed: 0, report, timer };
      windows.set(kind, window);
    }
    if (window.printed < burst) {
      window.printed++;
      write(describeReport(error, report));
    } else window.suppressed++;
  }) as ConsoleReporter;
  reporter.flush = () => {
    for (const kind of [...windows.keys()]) end(kind);
  };
  return reporter;
}

/** One line saying what happened to what, and what the error was. */
export function describeReport(error: Error, report: ErrorReport): string {
  const where = report.topic === undefined ? '' : ` on ${report.topic}`;
  const group = report.group === undefined ? '' : ` (group ${report.group})`;
  const event = `event ${report.eventId ?? '(no id)'}${where}${group}`;
  const attempts =
    report.attempts === undefined
      ? ''
      : ` after ${report.attempts} attempt${report.attempts === 1 ? '' : 's'}`;
  const reason = report.reason === undefined ? '' : ` (${report.reason})`;
  switch (report.operation) {
    case 'handle':
      return `[switchyard] ${event} could not be handled${attempts}${reason} and was dead-lettered to ${report.deadLetterTopic}: ${error.message}`;
    case 'drop':
      return `[switchyard] ${event} could not be handled${attempts}${reason} and was dropped (the subscription has deadLetter: false): ${error.message}`;
    default:
      return `[switchyard] ${report.operation} failed${where}: ${error.message}`;
  }
}

function suppressedLine(count: number, report: ErrorReport, windowMs: number): string {
  const what = report.operation === 'handle' ? 'dead-lettered events' : `${report.operation} reports`;
  const where = report.topic === undefined ? '' : ` on ${report.topic}`;
  return (
    `[switchyard] ${count} more ${what}${where} in the last ${Math.round(windowMs / 1000)} s were not printed ` +
    '(onError receives every one; the metrics count them).'
  );
}
