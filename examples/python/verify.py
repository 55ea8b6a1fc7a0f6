"""Start a verification, read its code from otpgate's dev outbox, check it, print the status.

    pip install requests   (or: apt-get install python3-requests)
    OTPGATE_URL=http://127.0.0.1:8080 OTPGATE_KEY=og_live_... python3 verify.py
"""
import os
import re
import sys
import time

import requests

BASE = os.environ.get("OTPGATE_URL", "http://127.0.0.1:8080").rstrip("/")
KEY = os.environ["OTPGATE_KEY"]
PHONE = os.environ.get("PHONE", "+14155550123")

session = requests.Session()
session.headers["Authorization"] = f"Bearer {KEY}"


def call(method, path, **kwargs):
    """One API call; an error answer is RFC 9457 problem+json with a stable `code`."""
    response = session.request(method, BASE + path, timeout=10, **kwargs)
    if response.status_code >= 400:
        problem = response.json()
        sys.exit(f"{method} {path}: {response.status_code} {problem['code']}: {problem['detail']}")
    return response.json()


def code_from_outbox(verification_id):
    """The dev outbox stands in for the person reading the SMS and typing the code."""
    for _ in range(100):
        for message in call("GET", "/v1/outbox", params={"to": PHONE, "limit": 20})["data"]:
            if message["verification_id"] == verification_id:
                return re.search(r"\b(\d{4,10})\b", message["body"]).group(1)
        time.sleep(0.1)
    sys.exit("no SMS in the dev outbox")


# An Idempotency-Key makes a retry of this request safe: the same key never sends a second SMS.
verification = call("POST", "/v1/verifications", json={"to": PHONE}, headers={"Idempotency-Key": os.urandom(16).hex()})
print(f"started {verification['id']} ({verification['status']})")
code = code_from_outbox(verification["id"])
result = call("POST", "/v1/verifications/check", json={"id": verification["id"], "code": code})
print(f"status: {result['status']}")
sys.exit(0 if result["valid"] else 1)
