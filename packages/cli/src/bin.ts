#!/usr/bin/env node
// The `switchyard` binary. Installed, it runs from dist/bin.js; inside the workspace,
// `pnpm --filter @switchyard/cli switchyard …` runs this file with the source condition.
import { main } from './main.ts';

const code = await main(process.argv.slice(2));
// Exit once stdout and stderr are written out: into a slow pipe, writes queue up, and exiting at
// once would drop them. The exit itself ends any client connection a command left open.
const flushed = (stream: NodeJS.WritableStream) =>
  new Promise<void>((resolve) => stream.write('', () => resolve()));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
