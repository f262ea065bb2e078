/**
 * Where a cart's objects live in the bundle bucket. Each incarnation of a cart id (see
 * CartRecord.executionName) has its own keys, so a late task of a deleted cart cannot overwrite the
 * objects of a new cart with the same id. The bucket's lifecycle rule expires both prefixes.
 */
import type { CartIncarnation } from './cart-record.ts';

/**
 * `{user}/{cartId}/{executionName}`: the user first, percent-encoded so that no user name can reach
 * into another's keys (cart ids and execution names have no "/").
 */
export const cartObjectPath = ({ user, cartId, executionName }: CartIncarnation) =>
  `${encodeURIComponent(user)}/${cartId}/${executionName}`;

export const requestKeyOf = (cart: CartIncarnation) => `requests/${cartObjectPath(cart)}.json`;

export const bundleKeyOf = (cart: CartIncarnation) => `bundles/${cartObjectPath(cart)}.tar`;
