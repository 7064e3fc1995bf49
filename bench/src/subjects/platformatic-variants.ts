import { ceHeaders } from './ce-headers.ts';
import type { SubjectInfo } from './types.ts';

/** One raw @platformatic/kafka subject: what it sends and does beyond the minimal client. */
export interface PlatformaticVariant {
  readonly id: string;
  readonly label: string;
  /** The CloudEvents headers Switchyard sends, on every message. */
  readonly headers?: () => Record<string, string>;
  /** A Switchyard subscription's work in the consumer (consume only; platformatic-same-work.ts). */
  readonly sameWork?: boolean;
  /** One `send` per message (concurrent publish only). */
  readonly eachSend?: boolean;
}

/** Raw @platformatic/kafka, minimal: buffers in and out, the JSON both sides do. */
export const PLATFORMATIC: PlatformaticVariant = { id: 'platformatic', label: 'raw @platformatic/kafka' };
/** With the same CloudEvents headers: the fair peer of Switchyard on the platformatic driver. */
export const PLATFORMATIC_CE: PlatformaticVariant = {
  id: 'platformatic+ce',
  label: 'raw @platformatic/kafka + CE headers',
  headers: ceHeaders,
};
/**
 * One `send` per event and 1,000 open, as `publish` per event is in Switchyard: the per-event call
 * shape's peer (concurrent publish only).
 */
export const PLATFORMATIC_EACH: PlatformaticVariant = {
  id: 'platformatic+each',
  label: 'raw @platformatic/kafka, one send per event',
  eachSend: true,
};
/** Doing a Switchyard subscription's work (consume only; platformatic-same-work.ts). */
export const PLATFORMATIC_SAME: PlatformaticVariant = {
  id: 'platformatic+same',
  label: 'raw @platformatic/kafka, same work (CE headers read, keyed, contiguous commits)',
  headers: ceHeaders,
  sameWork: true,
};

export const PLATFORMATIC_VARIANTS: readonly PlatformaticVariant[] = [
  PLATFORMATIC,
  PLATFORMATIC_CE,
  PLATFORMATIC_SAME,
  PLATFORMATIC_EACH,
];

/**
 * A variant's name and the scenarios it joins, known without loading @platformatic/kafka: the
 * skipped rows of a machine where it does not load name every variant, not only the first.
 */
export function platformaticInfo(variant: PlatformaticVariant): SubjectInfo {
  return {
    id: variant.id,
    label: variant.label,
    kind: 'raw',
    extra: true,
    ...(variant.sameWork === true ? { consumeOnly: true } : {}),
    ...(variant.eachSend === true ? { onlyPublishModes: ['concurrent'] as const } : {}),
  };
}
