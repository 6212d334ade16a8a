#!/usr/bin/env bash
# Intake with the webhook channel and no webhook URL must stop at start (exit 2) with a message
# naming the variable, not run and give up every notice. Usage: start_refuses_bad_notify.sh BINARY
# The port is the test stack's own intake port: were the service to start anyway, its bind would
# fail instead of taking a port someone else uses.
set -u
binary=${1:?the daiban-intake binary}
port=${DAIBAN_TEST_INTAKE_PORT:?DAIBAN_TEST_INTAKE_PORT is not set (run through deploy/local/test.sh)}
out=$(env DAIBAN_INTAKE_PORT="$port" DAIBAN_NOTIFY_CHANNEL=webhook DAIBAN_NOTIFY_WEBHOOK_URL= \
  timeout 20 "$binary" 2>&1)
status=$?
if [[ $status -ne 2 ]]; then
  echo "expected exit status 2, got $status: $out"
  exit 1
fi
if [[ $out != *DAIBAN_NOTIFY_WEBHOOK_URL* ]]; then
  echo "the message does not name DAIBAN_NOTIFY_WEBHOOK_URL: $out"
  exit 1
fi
echo "refused as expected: $out"
