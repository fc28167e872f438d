export { SIGNATURE_HEADER, signWebhook, verifyWebhook } from './signature.js';
export type { WebhookVerification } from './signature.js';
export { startWebhookDelivery } from './delivery.js';
export type { WebhookDelivery, WebhookDeliveryOptions } from './delivery.js';
