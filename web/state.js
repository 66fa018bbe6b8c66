// In-memory state shared by the views (cleared on logout).
export const state = {
  me: null, // GET /me
  order: null, // the claim & purchase selection between steps: {skus, tracking, payment_method, items}
  pendingOrder: null, // {fingerprint, key}: the Idempotency-Key reused when a submit is retried
  lastOrder: null, // the POST /me/fulfillment/orders response for the confirmation screen
};

export function resetState() {
  state.me = null;
  state.order = null;
  state.pendingOrder = null;
  state.lastOrder = null;
}
