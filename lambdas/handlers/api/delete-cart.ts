import { deleteCart } from '../../carts/delete-cart.ts';
import { apiHandler, callerOf, json } from '../../http/api-handler.ts';

/** DELETE /carts/{cartId}: stops the work in flight and removes the cart and its bundle. */
export const handler = apiHandler(async (request) => {
  await deleteCart(request.pathParameters.cartId ?? '', callerOf(request));
  return json(200, { message: 'Cart Deleted Successfully' });
});
