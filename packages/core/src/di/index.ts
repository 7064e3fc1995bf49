/**
 * tsyringe wiring. Application code asks the container for `EVENT_BUS` and never names a broker;
 * configuration (an object or the environment: `SWITCHYARD_TRANSPORT` and the transport's settings)
 * decides the transport.
 *
 * @packageDocumentation
 * @module @switchyard/core/di
 */

export { loadTransport, TRANSPORT_PACKAGES, type TransportName } from './load-transport.ts';
export { type EventBusConfig, registerEventBus } from './register-event-bus.ts';
export { EVENT_BUS, TRANSPORT } from './tokens.ts';
