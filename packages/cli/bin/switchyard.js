#!/usr/bin/env node
// The `switchyard` binary. An installed package runs the build (dist/); inside the Switchyard
// workspace, where nothing is built, Node runs the TypeScript sources directly.
let entry;
try {
  entry = await import('../dist/main.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/main.js')) throw error;
  entry = await import('../src/main.ts');
}
const code = await entry.main(process.argv.slice(2));
// Exit once stdout and stderr are written out: into a slow pipe, writes queue up, and exiting at
// once would drop them. The exit itself ends any client connection a command left open.
const flushed = (stream) => new Promise((resolve) => stream.write('', resolve));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
