/**
 * Where a cart's objects live in the bundle bucket. Each incarnation of a cart id (see
 * CartRecord.executionName) has its own keys, so a late task of a deleted cart cannot overwrite the
 * objects of a new cart with the same id. The bucket's lifecycle rule expires both prefixes.
 */
export const requestKeyOf = (cartId: string, executionName: string) =>
  `requests/${cartId}/${executionName}.json`;

export const bundleKeyOf = (cartId: string, executionName: string) =>
  `bundles/${cartId}/${executionName}.tar`;
