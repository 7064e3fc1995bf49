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
process.exit(await entry.main(process.argv.slice(2)));
