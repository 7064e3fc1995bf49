import { emitSwitchyardWarning, warnUnknownEnv } from '../transport-support/unknown-env.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** The variables core itself reads; each adapter checks its own `SWITCHYARD_<BROKER>_*`. */
const CORE_VARIABLES = ['SWITCHYARD_TRANSPORT', 'SWITCHYARD_SOURCE'];
const ADAPTER_PREFIXES = ['SWITCHYARD_KAFKA_', 'SWITCHYARD_NATS_', 'SWITCHYARD_REDIS_'];

/** Settings that only make sense with a broker: the transport, and the variable that shows it. */
const BROKER_SIGNS: ReadonlyArray<readonly [transport: string, label: string, variables: readonly string[]]> =
  [
    ['kafka', 'Kafka', ['KAFKA_BROKERS', 'SWITCHYARD_KAFKA_BROKERS']],
    ['nats', 'NATS', ['NATS_URL', 'SWITCHYARD_NATS_SERVERS']],
    ['redis', 'Redis', ['REDIS_URL', 'SWITCHYARD_REDIS_URL']],
  ];

/**
 * What `registerEventBus` checks of an environment before it picks a transport from it: a variable
 * that looks like a misspelt `SWITCHYARD_TRANSPORT` or `SWITCHYARD_SOURCE`, and a broker configured
 * (`KAFKA_BROKERS`, `NATS_URL`, `REDIS_URL`) while `SWITCHYARD_TRANSPORT` is unset, which leaves the
 * bus on the in-memory transport: events would never leave the process. Warnings, not errors.
 */
export function checkTransportEnv(env: Env, warn: (message: string) => void = emitSwitchyardWarning): void {
  warnUnknownEnv(env, 'SWITCHYARD_', CORE_VARIABLES, warn, { onlyNear: true, except: ADAPTER_PREFIXES });
  if (env.SWITCHYARD_TRANSPORT !== undefined && env.SWITCHYARD_TRANSPORT.trim() !== '') return;
  for (const [transport, label, variables] of BROKER_SIGNS) {
    const set = variables.find((name) => (env[name] ?? '').trim() !== '');
    if (set === undefined) continue;
    warn(
      'SWITCHYARD_TRANSPORT is not set, so the bus runs on the in-memory transport: events do not leave ' +
        `this process. ${set} is set: to use ${label}, set SWITCHYARD_TRANSPORT=${transport} ` +
        '(or SWITCHYARD_TRANSPORT=memory to keep the in-memory transport without this warning).',
    );
    return;
  }
}
