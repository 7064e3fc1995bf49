/**
 * The setting a broker-backed test needs, from the environment `infra/up` writes. Missing in CI
 * (`CI` set) it throws, so the suite fails instead of silently skipping; missing locally it warns
 * and returns undefined, for `describe.skipIf`. Same contract as infra's `requireBroker`, kept
 * here until `@switchyard/infra/env` is published in the workspace.
 */
export function requireEnv(name: string, purpose: string): string | undefined {
  const value = process.env[name];
  if (value !== undefined && value !== '') return value;
  const message = `${name} is not set: ${purpose} needs it. Run \`infra/up\` and source infra/.state/env.`;
  if (process.env.CI) throw new Error(message);
  console.warn(`[skip] ${message}`);
  return undefined;
}
