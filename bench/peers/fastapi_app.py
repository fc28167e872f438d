# Peer: the original service's stack, FastAPI + uvicorn + PyJWT, with the same two endpoints, data and responses as
# the Node peers (common.mjs): two accounts, the same fields and the same response headers as bankcore's.
import json, socket, sys, time, uuid
from datetime import datetime, timezone
import jwt
import uvicorn
from fastapi import Depends, FastAPI, Header, HTTPException, Response
from pydantic import BaseModel, conint

SECRET = 'benchmark-secret-of-at-least-32-bytes!!'
ISSUER = 'bench'
USER_ID = 'u-1'
def now():
    return datetime.now(timezone.utc).isoformat(timespec='milliseconds').replace('+00:00', 'Z')

OPENED = now()
accounts = [
    {'id': str(uuid.uuid4()), 'ownerId': USER_ID, 'bankCode': 'BENCH', 'accountNumber': 'HTTP0001', 'currency': 'USD', 'balance': 1_000_000, 'pending': 0, 'status': 'active', 'overdraftLimit': 0, 'createdAt': OPENED},
    {'id': str(uuid.uuid4()), 'ownerId': USER_ID, 'bankCode': 'BENCH', 'accountNumber': 'HTTP0002', 'currency': 'USD', 'balance': 0, 'pending': 0, 'status': 'active', 'overdraftLimit': 0, 'createdAt': OPENED},
]
ledger = []
token = jwt.encode({'sub': USER_ID, 'iss': ISSUER, 'aud': ISSUER, 'exp': int(time.time()) + 900}, SECRET, algorithm='HS256')

app = FastAPI()

def user(authorization: str = Header(default='')) -> str:
    if not authorization.startswith('Bearer '):
        raise HTTPException(status_code=401, detail='unauthorized')
    try:
        return jwt.decode(authorization[7:], SECRET, algorithms=['HS256'], issuer=ISSUER, audience=ISSUER)['sub']
    except jwt.PyJWTError:
        raise HTTPException(status_code=401, detail='unauthorized')

def public(a):
    shown = {k: a[k] for k in ('id', 'bankCode', 'accountNumber', 'currency', 'balance', 'pending')}
    return {**shown, 'available': a['balance'] - a['pending'], 'status': a['status'], 'overdraftLimit': a['overdraftLimit'], 'createdAt': a['createdAt']}

def headers(response: Response):
    response.headers['cache-control'] = 'no-store'
    response.headers['x-request-id'] = str(uuid.uuid4())
    response.headers['x-content-type-options'] = 'nosniff'

class Deposit(BaseModel):
    bankCode: str
    accountNumber: str
    amount: conint(gt=0, strict=True)
    reference: str | None = None

@app.get('/balance')
def balance(response: Response, user_id: str = Depends(user)):
    headers(response)
    return {'accounts': [public(a) for a in accounts if a['ownerId'] == user_id], 'nextCursor': None}

@app.post('/deposit', status_code=201)
def deposit(body: Deposit, response: Response, user_id: str = Depends(user)):
    account = next((a for a in accounts if a['bankCode'] == body.bankCode and a['accountNumber'] == body.accountNumber), None)
    if account is None or account['ownerId'] != user_id:
        raise HTTPException(status_code=404, detail='account not found')
    account['balance'] += body.amount
    legs = [{'bankCode': body.bankCode, 'accountNumber': body.accountNumber, 'amount': body.amount}, {'bankCode': '@world', 'accountNumber': account['currency'], 'amount': -body.amount}]
    transaction = {'id': str(uuid.uuid4()), 'type': 'deposit', 'amount': body.amount, 'currency': account['currency'], 'legs': legs, 'reference': None, 'metadata': {}, 'reversalOf': None, 'reversedBy': None, 'holdId': None, 'createdAt': now()}
    ledger.append({**transaction, 'accountId': account['id'], 'balanceAfter': account['balance']})
    headers(response)
    return {'transaction': transaction, 'account': public(account)}

if __name__ == '__main__':
    probe = socket.socket()
    probe.bind(('127.0.0.1', 0))
    port = probe.getsockname()[1]
    probe.close()
    print(json.dumps({'port': port, 'token': token}), flush=True)
    uvicorn.run(app, host='127.0.0.1', port=port, log_level='warning', access_log=False)
