import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createBank, OPERATOR_SCOPES, type OperatorKey, type OperatorScope } from 'bankcore';
import { openStorage } from './storage.js';

const USAGE = `Usage: bankcore operator-key create --name NAME [--scope SCOPE]...   (default: every scope)
       bankcore operator-key list
       bankcore operator-key revoke ID
Scopes: ${OPERATOR_SCOPES.join(', ')}`;

const describe = (k: OperatorKey) =>
  `${k.id}  ${k.name}  [${k.scopes.join(' ')}]  created ${k.createdAt.toISOString()}  last used ${k.lastUsedAt?.toISOString() ?? 'never'}${k.revokedAt ? `  REVOKED ${k.revokedAt.toISOString()}` : ''}`;

/**
 * `bankcore operator-key …`: creates (printing the key once), lists and revokes the keys of /admin, in the storage
 * the environment names. Runs beside a running server.
 *
 * @returns the lines to print.
 */
export async function operatorKeyCommand(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({ args: rest, options: { name: { type: 'string' }, scope: { type: 'string', multiple: true } }, allowPositionals: true });
  if ((env['BANK_STORAGE'] ?? 'sqlite') === 'memory' || env['BANK_DATA_DIR'] === '') throw new Error('operator keys need durable storage (BANK_STORAGE=sqlite or mongodb); a memory bank forgets them when the process stops');
  const storage = await openStorage(env, { operatorKeysOnly: true });
  // The token secret signs nothing here: these commands issue no customer token.
  const bank = createBank({ storage: storage.adapter, tokens: { secret: randomBytes(32).toString('base64url') } });
  await bank.init();
  try {
    if (action === 'create') {
      if (!values.name) throw new Error(`--name is required\n${USAGE}`);
      const scopes = values.scope as OperatorScope[] | undefined;
      const { key, operatorKey } = await bank.operatorKeys.create({ name: values.name, ...(scopes ? { scopes } : {}) });
      return `created operator key ${describe(operatorKey)}\n${key}\nThis is the only time the key is shown; only its hash is stored. Send it as "Authorization: Bearer <key>" to /admin.`;
    }
    if (action === 'list') {
      const keys = await bank.operatorKeys.list();
      return keys.length ? keys.map(describe).join('\n') : 'no operator keys';
    }
    if (action === 'revoke') {
      const revoked = positionals[0] ? await bank.operatorKeys.revoke(positionals[0]) : null;
      if (!revoked) throw new Error(`no operator key has the id "${positionals[0] ?? ''}"\n${USAGE}`);
      return `revoked ${describe(revoked)}`;
    }
    throw new Error(USAGE);
  } finally {
    await bank.close();
    await storage.close();
  }
}
