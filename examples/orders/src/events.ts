import { defineEvent } from '@switchyard/core';
import { z } from 'zod';

export const ORDERS_TOPIC = 'orders';

export const OrderPlaced = defineEvent(
  'order.placed',
  z.object({
    orderId: z.string(),
    customer: z.string(),
    total: z.number().nonnegative(),
    items: z.number().int().positive(),
  }),
);
