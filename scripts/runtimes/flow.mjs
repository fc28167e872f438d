// The seed flow, driven with fetch against a bankcore HTTP server on any runtime: createUser, token, addAccount,
// deposit, transfer, balance, transactions. Throws on the first answer that is not as expected.
export async function seedFlow(base, label) {
  const call = async (method, path, { json, form, token } = {}) => {
    const headers = {};
    let body;
    if (json !== undefined) [headers['content-type'], body] = ['application/json', JSON.stringify(json)];
    if (form) [headers['content-type'], body] = ['application/x-www-form-urlencoded', new URLSearchParams(form).toString()];
    if (token) headers['authorization'] = `Bearer ${token}`;
    const response = await fetch(`${base}${path}`, { method, headers, body });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  const expect = (what, actual, wanted) => {
    if (JSON.stringify(actual) !== JSON.stringify(wanted)) throw new Error(`${label}: ${what}: got ${JSON.stringify(actual)}, wanted ${JSON.stringify(wanted)}`);
  };
  const A = { bankCode: 'BANK1', accountNumber: '00010001' };
  const B = { bankCode: 'BANK1', accountNumber: '00020001' };
  const token = async (username, password) => {
    const r = await call('POST', '/token', { form: { grant_type: 'password', username, password } });
    expect(`token for ${username}`, [r.status, r.body.token_type], [200, 'bearer']);
    return r.body.access_token;
  };
  expect('healthz', (await call('GET', '/healthz')).body, { status: 'ok' });
  expect('createUser alice', (await call('POST', '/createUser', { json: { username: 'alice', password: 'alice has a long passphrase' } })).status, 201);
  expect('createUser bob', (await call('POST', '/createUser', { json: { username: 'bob', password: 'bob has a long passphrase' } })).status, 201);
  const wrong = await call('POST', '/token', { form: { grant_type: 'password', username: 'alice', password: 'wrong password' } });
  expect('wrong password', [wrong.status, wrong.body.error], [400, 'invalid_grant']);
  const alice = await token('alice', 'alice has a long passphrase');
  const bob = await token('bob', 'bob has a long passphrase');
  expect('addAccount A', (await call('POST', '/addAccount', { json: A, token: alice })).status, 201);
  expect('addAccount B', (await call('POST', '/addAccount', { json: B, token: bob })).status, 201);
  const deposit = await call('POST', '/deposit', { json: { ...A, amount: 10_000, reference: 'salary' }, token: alice });
  expect('deposit', [deposit.status, deposit.body.account.balance], [201, 10_000]);
  const transfer = await call('POST', '/transfer', { json: { from: A, to: B, amount: 2_500 }, token: alice });
  expect('transfer', [transfer.status, transfer.body.account.balance], [201, 7_500]);
  const overdraft = await call('POST', '/transfer', { json: { from: A, to: B, amount: 1_000_000 }, token: alice });
  expect('overdraft refused', [overdraft.status, overdraft.body.code], [409, 'INSUFFICIENT_FUNDS']);
  expect('balance of bob', (await call('GET', '/balance', { token: bob })).body.accounts.map((a) => a.balance), [2_500]);
  const history = await call('GET', `/transactions?bankCode=${A.bankCode}&accountNumber=${A.accountNumber}`, { token: alice });
  expect('transactions', history.body.data.map((e) => [e.type, e.amount, e.balanceAfter]), [['transfer', -2_500, 7_500], ['deposit', 10_000, 10_000]]);
  return `${label}: seed flow ok (createUser, token, addAccount, deposit, transfer, balance, transactions)`;
}
