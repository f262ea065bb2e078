import { createCart } from '../../carts/create-cart.ts';
import { apiHandler, callerOf, json } from '../../http/api-handler.ts';

/** POST /carts/{cartId} with `{"fileids":[{id,path,hashtype,hashsum}]}` (Pacifica cartd). */
export const handler = apiHandler(async (request) => {
  await createCart(request.pathParameters.cartId ?? '', request.body, callerOf(request));
  return json(201, { message: 'Cart Processing has begun' });
});
