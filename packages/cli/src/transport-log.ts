import { format } from 'node:util';
import { ERROR_CODES, type Logger } from '@switchyard/core';

type Fields = Readonly<Record<string, unknown>> | undefined;

/**
 * A transport's line that notes an `EventBusError` (the Kafka transport logs each with its `code`)
 * as the transport also throws or rejects with it. Everything the CLI's bus does is awaited (connect,
 * publish, ensureTopic), so that error reaches the CLI, which reports it: printed here too, the
 * same failure would show twice.
 */
function notesAnErrorTheCliReports(fields: Fields): boolean {
  const code = fields?.code;
  return typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code);
}

/**
 * The log the CLI gives its transports: their lines on stderr as the console would print them
 * (`[switchyard:nats] disconnected from …; reconnecting`, `… ignoring partitions …`), at the level the
 * adapter's `SWITCHYARD_*_LOG_LEVEL` sets, without the ones that repeat an error the CLI reports.
 */
export function transportLogger(write: (line: string) => void): Logger {
  const line = (message: string, fields: Fields) =>
    write(fields === undefined ? message : format(message, fields));
  const unlessReported = (message: string, fields?: Fields) => {
    if (!notesAnErrorTheCliReports(fields)) line(message, fields);
  };
  return { debug: line, info: line, warn: unlessReported, error: unlessReported };
}
