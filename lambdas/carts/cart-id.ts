import { Invalid } from '../errors.ts';

/** Pacifica cart ids are client-chosen, usually UUIDs (SPEC §5.5). */
const CART_ID = /^[A-Za-z0-9_-]{1,128}$/;

export function validCartId(cartId: string): string {
  if (!CART_ID.test(cartId)) {
    throw new Invalid(`Invalid cart id "${cartId.slice(0, 140)}": use 1 to 128 letters, digits, "-" or "_".`);
  }
  return cartId;
}
