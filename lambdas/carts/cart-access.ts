import { canUseSpace, type Principal } from '../auth/principal.ts';
import { NotFound } from '../errors.ts';
import { validCartId } from './cart-id.ts';
import type { CartRecord } from './cart-record.ts';
import { findLiveCart } from './cart-repository.ts';

/**
 * A caller sees only its own carts (the id is looked up under its user), and only while it may use
 * every space the cart's files come from: a cart never reveals more than the caller could read
 * directly. Anything else looks exactly like a cart that does not exist.
 */
export async function cartVisibleTo(cartId: string, caller: Principal): Promise<CartRecord> {
  const record = await findLiveCart({ user: caller.user, cartId: validCartId(cartId) });
  if (!record || !record.spaces.every((space) => canUseSpace(caller, space)))
    throw new NotFound(`Cart not found: ${cartId}`);
  return record;
}
