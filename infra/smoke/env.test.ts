import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// env.ts itself, against a throw-away state dir (no broker needed).
describe('infra/env.ts', () => {
  let dir: string;
  const saved = { ...process.env };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'infra-env-'));
    process.env.INFRA_STATE_DIR = dir;
    delete process.env.SMOKE_FROM_FILE;
    delete process.env.SMOKE_MISSING;
    vi.resetModules();
  });
  afterEach(() => {
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
    vi.restoreAllMocks();
  });

  const load = () => import('../env.ts');

  it('reads export lines from the env file, and process.env wins over it', async () => {
    writeFileSync(
      join(dir, 'env'),
      "# comment\nexport SMOKE_FROM_FILE=nats://127.0.0.1:4222\nexport SMOKE_QUOTED='a b'\n",
    );
    const { brokerEnv, envFilePath } = await load();
    expect(envFilePath).toBe(join(dir, 'env'));
    expect(brokerEnv('SMOKE_FROM_FILE')).toBe('nats://127.0.0.1:4222');
    expect(brokerEnv('SMOKE_QUOTED')).toBe('a b');
    process.env.SMOKE_FROM_FILE = 'nats://10.0.0.1:4222';
    expect(brokerEnv('SMOKE_FROM_FILE')).toBe('nats://10.0.0.1:4222');
    expect(brokerEnv('SMOKE_MISSING')).toBeUndefined();
  });

  it('without an env file, a missing variable is undefined', async () => {
    const { brokerEnv } = await load();
    expect(brokerEnv('SMOKE_MISSING')).toBeUndefined();
  });

  it('requireBroker warns and returns undefined outside CI', async () => {
    delete process.env.CI;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { requireBroker } = await load();
    expect(requireBroker('SMOKE_MISSING', 'nats')).toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain('SMOKE_MISSING is not set: run `infra/up nats`');
  });

  it('requireBroker throws in CI', async () => {
    process.env.CI = 'true';
    const { requireBroker } = await load();
    expect(() => requireBroker('SMOKE_MISSING', 'kafka-cluster')).toThrow(
      'SMOKE_MISSING is not set: run `infra/up kafka-cluster`',
    );
    process.env.SMOKE_MISSING = 'x';
    expect(requireBroker('SMOKE_MISSING', 'kafka-cluster')).toBe('x');
  });

  it('reportMissing warns and returns undefined outside CI, and throws in CI', async () => {
    delete process.env.CI;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { reportMissing } = await load();
    expect(reportMissing('java does not run')).toBeUndefined();
    expect(String(warn.mock.calls[0]?.[0])).toContain('skipping: java does not run');
    process.env.CI = '1';
    expect(() => reportMissing('java does not run')).toThrow('java does not run');
  });
});
