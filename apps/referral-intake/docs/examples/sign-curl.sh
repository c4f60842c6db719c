#!/bin/sh
# Sends a referral to intake, signed per Standard Webhooks v1 with openssl, then reads its status back.
# Usage: INTAKE_URL=http://localhost:3000 SENDER_ID=... SENDER_SECRET=whsec_... ./sign-curl.sh referral.json
set -eu
INTAKE_URL=${INTAKE_URL:-http://localhost:3000}
BODY_FILE=${1:-referral.json}
CONTENT_TYPE=${CONTENT_TYPE:-application/json}

# The secret after "whsec_" is base64; the HMAC key is its bytes (passed to openssl as hex).
KEY_HEX=$(printf '%s' "${SENDER_SECRET#whsec_}" | openssl base64 -d -A | od -An -v -tx1 | tr -d ' \n')

# sign ID TIMESTAMP BODY_FILE: base64 HMAC-SHA256 of "id.timestamp.body" (an empty body for GET: /dev/null)
sign() {
  { printf '%s.%s.' "$1" "$2"; cat "$3"; } | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$KEY_HEX" -binary | openssl base64 -A
}

# One webhook-id per request; a retry of the same request repeats it (and is answered with the first answer).
ID="msg_$(openssl rand -hex 16)"
TS=$(date +%s)
ANSWER=$(curl -sS -X POST "$INTAKE_URL/v1/referrals" \
  -H "content-type: $CONTENT_TYPE" \
  -H "x-sender-id: $SENDER_ID" \
  -H "webhook-id: $ID" \
  -H "webhook-timestamp: $TS" \
  -H "webhook-signature: v1,$(sign "$ID" "$TS" "$BODY_FILE")" \
  --data-binary "@$BODY_FILE" \
  -w '\n%{http_code}')
echo "POST /v1/referrals -> $(printf '%s' "$ANSWER" | tail -n 1)"
printf '%s\n' "$ANSWER" | sed '$d'

STATUS_URL=$(printf '%s' "$ANSWER" | sed -n 's/.*"statusUrl":"\([^"]*\)".*/\1/p')
[ -n "$STATUS_URL" ] || exit 1

ID="msg_$(openssl rand -hex 16)"
TS=$(date +%s)
ANSWER=$(curl -sS "$INTAKE_URL$STATUS_URL" \
  -H "x-sender-id: $SENDER_ID" \
  -H "webhook-id: $ID" \
  -H "webhook-timestamp: $TS" \
  -H "webhook-signature: v1,$(sign "$ID" "$TS" /dev/null)" \
  -w '\n%{http_code}')
echo "GET $STATUS_URL -> $(printf '%s' "$ANSWER" | tail -n 1)"
printf '%s\n' "$ANSWER" | sed '$d'
