import Table from 'cli-table3';
import pc from 'picocolors';

type Colors = ReturnType<typeof pc.createColors>;

/** Where a command writes: stdout for results, stderr for notes, progress and errors. */
export interface Streams {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * Human output (tables, colours when stdout is a terminal) or `--json` output: one JSON document
 * per command, or one JSON object per line for commands that stream (tail, publish, redrive).
 */
export class Output {
  readonly json: boolean;
  /** Colours for stdout text; plain when stdout is not a terminal, `--no-color` or NO_COLOR. */
  readonly c: Colors;
  readonly #streams: Streams;

  constructor(streams: Streams, options: { json: boolean; color: boolean }) {
    this.#streams = streams;
    this.json = options.json;
    const color =
      options.color && !options.json && streams.stdout.isTTY === true && !('NO_COLOR' in process.env);
    this.c = pc.createColors(color);
  }

  /** The command's result: `value` as JSON, or what `render` prints. */
  result(value: unknown, render: () => void): void {
    if (this.json) this.#streams.stdout.write(`${JSON.stringify(value, jsonReplacer, 2)}\n`);
    else render();
  }

  /** One item of a stream: a JSON line, or `render()`'s text. */
  item(value: unknown, render: () => string): void {
    this.#streams.stdout.write(`${this.json ? JSON.stringify(value, jsonReplacer) : render()}\n`);
  }

  /** A line of human output on stdout (nothing in JSON mode). */
  line(text = ''): void {
    if (!this.json) this.#streams.stdout.write(`${text}\n`);
  }

  /** A note for the person at the terminal, on stderr, in both modes. */
  note(text: string): void {
    this.#streams.stderr.write(`${text}\n`);
  }

  table(
    head: readonly string[],
    rows: ReadonlyArray<ReadonlyArray<string | number>>,
    right: readonly number[] = [],
  ): string {
    const table = new Table({
      head: head.map((h) => this.c.bold(h)),
      style: { head: [], border: [], compact: true, 'padding-left': 0, 'padding-right': 2 },
      chars: BORDERLESS,
      colAligns: head.map((_, i) => (right.includes(i) ? 'right' : 'left')),
    });
    for (const row of rows) table.push(row.map(String));
    return table
      .toString()
      .split('\n')
      .map((line) => line.trimEnd())
      .join('\n');
  }
}

/** Tables without box drawing: columns only, easy to read and to grep. */
const BORDERLESS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '',
};

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
}
