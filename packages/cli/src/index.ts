// @switchyard/cli is used through its binary, `switchyard`. `main` runs it in-process (argv without
// `node` and the script name) and resolves with the exit code, for tools that embed it.
export { EXIT, type ExitCode } from './exit-codes.ts';
export { main } from './main.ts';
