"""Drives /token and one authorised call with real OAuth 2.0 clients (Debian's python3-requests-oauthlib and
python3-authlib), for a good and a wrong password. Usage: clients.py BASE_URL USERNAME PASSWORD"""
import os
import sys

os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"  # the test server is plain HTTP on loopback

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session as AuthlibSession
from oauthlib.oauth2 import LegacyApplicationClient
from oauthlib.oauth2.rfc6749.errors import InvalidGrantError
from requests_oauthlib import OAuth2Session

base, username, password = sys.argv[1:4]
token_url = base + "/token"


def check(label, condition, detail=""):
    if not condition:
        print(f"FAIL {label} {detail}")
        sys.exit(1)
    print(f"ok   {label}")


# requests-oauthlib, the password grant as its docs show it.
session = OAuth2Session(client=LegacyApplicationClient(client_id="bankcore-test"))
token = session.fetch_token(token_url=token_url, username=username, password=password, include_client_id=True)
check("requests-oauthlib: token issued", token.get("token_type", "").lower() == "bearer" and token.get("access_token"))
balance = session.get(base + "/balance")
check("requests-oauthlib: authorised GET /balance", balance.status_code == 200, balance.text)
try:
    session.fetch_token(token_url=token_url, username=username, password="wrong-password", include_client_id=True)
    check("requests-oauthlib: wrong password refused", False, "a token was returned")
except InvalidGrantError as error:
    check("requests-oauthlib: wrong password raises InvalidGrantError with the reason", error.description == "Incorrect username or password", repr(error.description))

# Authlib: a failed grant must raise, never be stored as if it were a token.
client = AuthlibSession(client_id="bankcore-test", token_endpoint_auth_method="none")
token = client.fetch_token(token_url, grant_type="password", username=username, password=password)
check("authlib: token issued", token.get("token_type", "").lower() == "bearer" and token.get("access_token"))
balance = client.get(base + "/balance")
check("authlib: authorised GET /balance", balance.status_code == 200, balance.text)
client = AuthlibSession(client_id="bankcore-test", token_endpoint_auth_method="none")
try:
    stored = client.fetch_token(token_url, grant_type="password", username=username, password="wrong-password")
    check("authlib: wrong password refused", False, f"stored as a token: {stored}")
except OAuthError as error:
    check("authlib: wrong password raises OAuthError invalid_grant", error.error == "invalid_grant", repr(error.error))
check("authlib: nothing stored as a token after the failure", not client.token)
