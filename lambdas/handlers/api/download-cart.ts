import { bundleDownloadUrl } from '../../carts/bundle-download.ts';
import { cartVisibleTo } from '../../carts/cart-access.ts';
import { bundleFilename } from '../../carts/download-filename.ts';
import { apiHandler, callerOf, json, redirect } from '../../http/api-handler.ts';

/** GET /carts/{cartId}[?filename=]: a redirect to the bundle once ready, 202 until then. */
export const handler = apiHandler(async (request) => {
  const cart = await cartVisibleTo(request.pathParameters.cartId ?? '', callerOf(request));
  if (cart.status !== 'ready') return json(202, { message: 'The cart is not ready for download.' });
  return redirect(302, await bundleDownloadUrl(cart, bundleFilename(request.query.filename)));
});
