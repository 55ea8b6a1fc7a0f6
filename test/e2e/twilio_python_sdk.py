"""The official Twilio Python SDK against a real otpgate process (run by twilio-python.test.ts).

Environment: OTPGATE_URL, OTPGATE_ADMIN_KEY, ADMIN_SID, ADMIN_SECRET (admin-level Basic credentials), KEY_SID, KEY_SECRET, ACCOUNT_SID, SERVICE_SID, SERVICE_ID, TO.
Prints one JSON object with what each step answered.
"""
import json
import os
import re
import time
import urllib.request

from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

env = os.environ
client = Client(env["KEY_SID"], env["KEY_SECRET"], env["ACCOUNT_SID"])
client.verify.base_url = env["OTPGATE_URL"]  # the one line a migration adds
service = client.verify.v2.services(env["SERVICE_SID"])
to = env["TO"]


def sent_code():
    url = f"{env['OTPGATE_URL']}/v1/outbox?service_id={env['SERVICE_ID']}&to={urllib.parse.quote(to)}&limit=1"
    for _ in range(100):
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {env['OTPGATE_ADMIN_KEY']}"})
        entries = json.load(urllib.request.urlopen(request))["data"]
        if entries:
            return re.search(r"\b(\d{4,10})\b", entries[0]["body"]).group(1)
        time.sleep(0.05)
    raise RuntimeError("no SMS")


out = {}
started = service.verifications.create(to=to, channel="sms")
out["started"] = {"sid": started.sid, "status": started.status}
code = sent_code()
wrong = str((int(code) + 1) % 1_000_000).zfill(len(code))
bad = service.verification_checks.create(to=to, code=wrong)
out["wrong"] = {"status": bad.status, "valid": bad.valid}
good = service.verification_checks.create(verification_sid=started.sid, code=code)
out["right"] = {"status": good.status, "valid": good.valid}
out["fetched"] = service.verifications(started.sid).fetch().status
try:
    service.verification_checks.create(to=to, code=code)
except TwilioRestException as error:
    out["again"] = {"code": error.code, "status": error.status}

# Issue 18: booleans as Python sends them (True), Twilio's codes, details, and the other resources.
def error_of(call):
    try:
        call()
    except TwilioRestException as error:
        return {"code": error.code, "status": error.status, "details": error.details}
    return None


admin = Client(env["ADMIN_SID"], env["ADMIN_SECRET"])
admin.verify.base_url = env["OTPGATE_URL"]
as_admin = admin.verify.v2.services(env["SERVICE_SID"])
as_admin.update(custom_code_enabled=True)  # sent as "True"
out["custom_code_enabled"] = service.fetch().custom_code_enabled
out["refused_flag"] = error_of(lambda: as_admin.update(lookup_enabled=True))
canceled = service.verifications.create(to="+14155550177", channel="sms")
service.verifications(canceled.sid).update(status="canceled")
out["canceled_check"] = error_of(lambda: service.verification_checks.create(verification_sid=canceled.sid, code="123456"))
limit = service.rate_limits.create(unique_name="py_ip")
out["duplicate_limit"] = error_of(lambda: service.rate_limits.create(unique_name="py_ip"))
service.rate_limits(limit.sid).buckets.create(max=3, interval=60)
out["duplicate_bucket"] = error_of(lambda: service.rate_limits(limit.sid).buckets.create(max=5, interval=60))
hook = service.webhooks.create(friendly_name="py", event_types=["verification.approved"], webhook_url="https://hooks.example.com/py")
out["webhook"] = {"sid": hook.sid, "event_types": hook.event_types, "status": service.webhooks(hook.sid).update(status="disabled").status}
service.webhooks(hook.sid).delete()
mg = "MG" + "f" * 32
config = service.messaging_configurations.create(country="NL", messaging_service_sid=mg)
out["messaging"] = {"country": config.country, "fetched": service.messaging_configurations("NL").fetch().messaging_service_sid}
out["messaging_again"] = error_of(lambda: service.messaging_configurations.create(country="NL", messaging_service_sid=mg))
service.messaging_configurations("NL").delete()
out["templates"] = [t.sid for t in client.verify.v2.templates.list()]
out["attempts"] = [a.sid for a in client.verify.v2.verification_attempts.list(verify_service_sid=env["SERVICE_SID"], page_size=1)]
print(json.dumps(out))
