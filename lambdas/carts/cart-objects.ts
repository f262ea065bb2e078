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

/** The request as posted (entries and the caller), before any id is looked up. */
export const requestKeyOf = (cart: CartIncarnation) => `requests/${cartObjectPath(cart)}.json`;

/** The cart's files resolved against the registry (Resolving writes it; staging and bundling read it). */
export const filesKeyOf = (cart: CartIncarnation) => `files/${cartObjectPath(cart)}.json`;

export const bundleKeyOf = (cart: CartIncarnation) => `bundles/${cartObjectPath(cart)}.tar`;
