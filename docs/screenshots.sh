#!/usr/bin/env bash
# Takes the README's screenshots in headless Chromium (Debian's chromium package), from a Twostep
# running at $BASE (start it first with `mvn jetty:run`). The code page needs a signed-in session, which
# Chromium's command line cannot carry, so each page is fetched with curl through the real flow, saved
# as served, and rendered with the live stylesheet.
set -euo pipefail
BASE=${BASE:-http://localhost:8080}
OUT=$(cd "$(dirname "$0")" && pwd)/screenshots
LOG=${LOG:?set LOG to the file the server logs to, to read the DEV DELIVERY code}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
jar="$work/cookies"
csrf() { grep -o 'name="twostep_csrf" value="[^"]*"' "$1" | head -1 | sed 's/.*value="//;s/"$//'; }
absolute() { sed "s#href=\"/twostep/static/#href=\"$BASE/twostep/static/#" "$1" > "$2"; }
shot() {
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/profile" --hide-scrollbars --window-size=390,760 \
    --screenshot="$2" "file://$1" 2>/dev/null
}

curl -s -c "$jar" -b "$jar" "$BASE/login" -o "$work/login.html"
absolute "$work/login.html" "$work/login-abs.html"
shot "$work/login-abs.html" "$OUT/sign-in.png"

user="demo$(date +%s)"
curl -s -c "$jar" -b "$jar" "$BASE/register" -o "$work/register.html"
curl -s -c "$jar" -b "$jar" -o /dev/null "$BASE/register" --data-urlencode "twostep_csrf=$(csrf "$work/register.html")" \
  --data-urlencode "username=$user" --data-urlencode "password=correct horse battery" \
  --data-urlencode "phone=(415) 555-2671" --data-urlencode "channel=sms"
curl -s -c "$jar" -b "$jar" "$BASE/twostep/code" -o "$work/confirm.html"
code=$(grep "DEV DELIVERY" "$LOG" | tail -1 | grep -o 'code [0-9]*' | cut -d' ' -f2)
curl -s -c "$jar" -b "$jar" -o /dev/null "$BASE/twostep/code" --data-urlencode "twostep_csrf=$(csrf "$work/confirm.html")" \
  -d action=verify -d "code=$code"
curl -s -c "$jar" -b "$jar" "$BASE/account" -o "$work/account.html"
curl -s -c "$jar" -b "$jar" -o /dev/null "$BASE/logout" --data-urlencode "twostep_csrf=$(csrf "$work/account.html")"

rm -f "$jar"
curl -s -c "$jar" -b "$jar" "$BASE/login" -o "$work/login2.html"
curl -s -c "$jar" -b "$jar" -o /dev/null "$BASE/login" --data-urlencode "twostep_csrf=$(csrf "$work/login2.html")" \
  --data-urlencode "username=$user" --data-urlencode "password=correct horse battery"
curl -s -c "$jar" -b "$jar" "$BASE/twostep/code" -o "$work/code.html"
absolute "$work/code.html" "$work/code-abs.html"
shot "$work/code-abs.html" "$OUT/code.png"
echo "wrote $OUT/sign-in.png and $OUT/code.png"
