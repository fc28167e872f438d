# Peer: the original service's stack, FastAPI + uvicorn + PyJWT, with the same two endpoints and data.
import json, socket, sys, time, uuid
import jwt
import uvicorn
from fastapi import Depends, FastAPI, Header, HTTPException
from pydantic import BaseModel, conint

SECRET = 'benchmark-secret-of-at-least-32-bytes!!'
ISSUER = 'bench'
USER_ID = 'u-1'
account = {'id': 'a-1', 'ownerId': USER_ID, 'bankCode': 'BENCH', 'accountNumber': 'HTTP0001', 'currency': 'USD', 'balance': 1_000_000, 'createdAt': time.time()}
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
    return {k: a[k] for k in ('id', 'bankCode', 'accountNumber', 'currency', 'balance', 'createdAt')}

class Deposit(BaseModel):
    bankCode: str
    accountNumber: str
    amount: conint(gt=0, strict=True)
    reference: str | None = None

@app.get('/balance')
def balance(user_id: str = Depends(user)):
    return {'accounts': [public(account)] if account['ownerId'] == user_id else []}

@app.post('/deposit', status_code=201)
def deposit(body: Deposit, user_id: str = Depends(user)):
    if body.bankCode != account['bankCode'] or body.accountNumber != account['accountNumber'] or account['ownerId'] != user_id:
        raise HTTPException(status_code=404, detail='account not found')
    account['balance'] += body.amount
    transaction = {'id': str(uuid.uuid4()), 'type': 'deposit', 'amount': body.amount, 'currency': 'USD', 'createdAt': time.time()}
    ledger.append({**transaction, 'accountId': account['id'], 'balanceAfter': account['balance']})
    return {'transaction': transaction, 'account': public(account)}

if __name__ == '__main__':
    probe = socket.socket()
    probe.bind(('127.0.0.1', 0))
    port = probe.getsockname()[1]
    probe.close()
    print(json.dumps({'port': port, 'token': token}), flush=True)
    uvicorn.run(app, host='127.0.0.1', port=port, log_level='warning', access_log=False)
