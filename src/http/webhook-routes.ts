import { BankError, schemas, type WebhookEndpoint } from 'bankcore';
import { readPayload } from './request.js';
import { json } from './responses.js';
import type { Route } from './route.js';
import * as s from '../wire/schemas.js';

// Webhook endpoints of the operator API: the standalone server delivers to them (startWebhookDelivery).

const webhookJson = (w: WebhookEndpoint) => ({
  id: w.id,
  url: w.url,
  types: w.types,
  createdAt: w.createdAt,
  position: w.position,
  backlog: w.backlog,
  failingSince: w.failingSince,
  lastError: w.lastError,
  disabledAt: w.disabledAt,
});

const example = { id: 'wh_3f1c9a2b4d5e6f70', url: 'https://shop.example/hooks/bankcore', types: ['transaction.posted', 'hold.captured'], createdAt: '2026-11-25T12:00:00.000Z', position: 41, backlog: 0, failingSince: null, lastError: null, disabledAt: null };

export const WEBHOOK_ROUTES: Route[] = [
  {
    method: 'POST',
    path: '/admin/webhooks',
    doc: {
      operationId: 'adminCreateWebhook',
      tag: 'admin',
      summary: 'Register a webhook endpoint; it receives the events committed from now on',
      description: 'Each event is POSTed as JSON with `Bankcore-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + body)>` and `Bankcore-Event-Id`. The signing secret is in this answer only.',
      auth: 'webhooks:write',
      body: { schema: s.webhookBody, example: { url: example.url, types: example.types } },
      ok: { status: 201, description: 'Registered; keep the secret', schema: s.webhookCreatedResponse, example: { endpoint: example, secret: 'whsec_6f0d1c2b3a4958677a8b9cadbecfd0e1f2a3b4c5d6e7f8091a2b3c4d5e6f7081' } },
      errors: [],
    },
    async handle(req, { bank, operator }) {
      await operator(req, 'webhooks:write');
      const body = schemas.parseInput(s.webhookBody, await readPayload(req), 'request body');
      const { endpoint, secret } = await bank.webhooks.create(body);
      return json(201, { endpoint: webhookJson(endpoint), secret });
    },
  },
  {
    method: 'GET',
    path: '/admin/webhooks',
    doc: { operationId: 'adminListWebhooks', tag: 'admin', summary: 'Webhook endpoints with their delivery state (backlog, failures, disabled)', auth: 'ledger:read', ok: { status: 200, description: 'Endpoints', schema: s.webhooksList, example: { webhooks: [example] } }, errors: [] },
    async handle(req, { bank, operator }) {
      await operator(req, 'ledger:read');
      return json(200, { webhooks: (await bank.webhooks.list()).map(webhookJson) });
    },
  },
  {
    method: 'DELETE',
    path: '/admin/webhooks/{id}',
    doc: { operationId: 'adminDeleteWebhook', tag: 'admin', summary: 'Delete a webhook endpoint; delivery to it stops', auth: 'webhooks:write', params: { id: 'The endpoint id (wh_…)' }, ok: { status: 204, description: 'Deleted' }, errors: ['NOT_FOUND'] },
    async handle(req, { bank, operator }, { id }) {
      await operator(req, 'webhooks:write');
      if (!(await bank.webhooks.remove(id!))) throw new BankError('NOT_FOUND', 'No webhook endpoint has this id');
      return { status: 204, headers: { 'cache-control': 'no-store' }, body: null };
    },
  },
];
