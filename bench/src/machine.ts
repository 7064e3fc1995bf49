import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import type { MachineFacts } from './results.ts';

const require = createRequire(import.meta.url);

function packageVersion(name: string): string {
  try {
    const path = require.resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    try {
      // Packages whose exports hide package.json: walk up from the entry point.
      let dir = require.resolve(name);
      for (let i = 0; i < 6; i++) {
        dir = dir.slice(0, dir.lastIndexOf('/'));
        try {
          const pkg = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')) as {
            name?: string;
            version: string;
          };
          if (pkg.name === name) return pkg.version;
        } catch {}
      }
    } catch {}
    return 'not installed';
  }
}

function javaVersion(): string {
  try {
    // `java -version` writes to stderr; run it through a shell to fold stderr into stdout.
    const out = execFileSync('sh', ['-c', 'java -version 2>&1'], { encoding: 'utf8', timeout: 10_000 });
    return out.split('\n')[0]?.trim() ?? 'unknown';
  } catch {
    return 'not found';
  }
}

export function machineFacts(brokers: Record<string, string>): MachineFacts {
  const cpus = os.cpus();
  return {
    cores: os.availableParallelism(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
    brokers,
    clients: {
      kafkajs: packageVersion('kafkajs'),
      '@platformatic/kafka': packageVersion('@platformatic/kafka'),
      ioredis: packageVersion('ioredis'),
      '@nats-io/jetstream': packageVersion('@nats-io/jetstream'),
      '@nats-io/transport-node': packageVersion('@nats-io/transport-node'),
      '@opentelemetry/sdk-trace-base': packageVersion('@opentelemetry/sdk-trace-base'),
      java: javaVersion(),
    },
  };
}
