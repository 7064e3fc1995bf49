import type { EventEnvelope } from './envelope.ts';
import type { HandlerContext, PublishReceipt } from './types.ts';

/** What publish middleware sees: the finished envelope, before encoding. */
export type PublishFn = (topic: string, envelope: EventEnvelope) => Promise<PublishReceipt>;
export type PublishMiddleware = (next: PublishFn) => PublishFn;

/** What consume middleware sees: the decoded event and its context, around the handler. */
export type HandleFn = (event: EventEnvelope, ctx: HandlerContext) => Promise<void>;
export type ConsumeMiddleware = (next: HandleFn) => HandleFn;

export function composePublish(middleware: readonly PublishMiddleware[], last: PublishFn): PublishFn {
  return middleware.reduceRight<PublishFn>((next, mw) => mw(next), last);
}

export function composeConsume(middleware: readonly ConsumeMiddleware[], last: HandleFn): HandleFn {
  return middleware.reduceRight<HandleFn>((next, mw) => mw(next), last);
}
