"""Sends a referral to intake, signed per Standard Webhooks v1, then reads its status back.

Python 3.8+, standard library only.
Usage: INTAKE_URL=http://localhost:3000 SENDER_ID=... SENDER_SECRET=whsec_... python3 sign-python.py referral.json
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid

INTAKE_URL = os.environ.get("INTAKE_URL", "http://localhost:3000")
SENDER_ID = os.environ["SENDER_ID"]
# The secret after "whsec_" is base64; the HMAC key is its bytes.
SECRET = os.environ["SENDER_SECRET"]
KEY = base64.b64decode(SECRET[len("whsec_"):] if SECRET.startswith("whsec_") else SECRET)


def signed_headers(body: bytes) -> dict:
    """Standard Webhooks headers for one request: sign exactly the bytes you send (b"" for GET)."""
    message_id = f"msg_{uuid.uuid4()}"  # keep it for every retry of this request
    timestamp = str(int(time.time()))
    digest = hmac.new(KEY, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return {
        "x-sender-id": SENDER_ID,
        "webhook-id": message_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
    }


def send(request: urllib.request.Request):
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refusal:  # 4xx/5xx: the body says why (problem+json)
        return refusal.code, json.loads(refusal.read())


with open(sys.argv[1] if len(sys.argv) > 1 else "referral.json", "rb") as file:
    body = file.read()
headers = {"content-type": os.environ.get("CONTENT_TYPE", "application/json"), **signed_headers(body)}
status, answer = send(urllib.request.Request(f"{INTAKE_URL}/v1/referrals", data=body, headers=headers, method="POST"))
print(f"POST /v1/referrals -> {status}")
print(json.dumps(answer))
if "statusUrl" not in answer:
    sys.exit(1)

status, referral = send(urllib.request.Request(f"{INTAKE_URL}{answer['statusUrl']}", headers=signed_headers(b"")))
print(f"GET {answer['statusUrl']} -> {status}")
print(json.dumps(referral))
