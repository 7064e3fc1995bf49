import type { InjectionToken } from 'tsyringe';
import type { Transport } from '../transport.ts';
import type { EventBus } from '../types.ts';

/** The application's event bus. */
export const EVENT_BUS: InjectionToken<EventBus> = Symbol.for('switchyard.EventBus');
/** The transport under the bus (for health endpoints and tests). */
export const TRANSPORT: InjectionToken<Transport> = Symbol.for('switchyard.Transport');
