import { cartVisibleTo } from '../../carts/cart-access.ts';
import { apiHandler, callerOf, empty } from '../../http/api-handler.ts';

/** Header values must be visible ASCII: anything else in a message is percent-encoded. */
const headerSafe = (text: string) =>
  text.replace(/[\r\n\t]+/g, ' ').replace(/[^\x20-\x7e]/gu, (char) => encodeURIComponent(char));

/** HEAD /carts/{cartId}: the status in Pacifica's headers, no body. */
export const handler = apiHandler(async (request) => {
  const cart = await cartVisibleTo(request.pathParameters.cartId ?? '', callerOf(request));
  return empty(204, {
    'x-pacifica-status': cart.status,
    'x-pacifica-message': cart.status === 'error' ? headerSafe(cart.message) : '',
  });
});
