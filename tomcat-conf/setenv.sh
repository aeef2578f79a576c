# $CATALINA_BASE/bin/setenv.sh: secrets for Twostep come from the environment, never from web.xml.
# Keep this file readable by Tomcat's user only (chmod 600).

# Key for code hashes; the same on every server that shares one database. At least 32 characters:
#   head -c 32 /dev/urandom | base64
export TWOSTEP_SECRET='replace-with-32-or-more-random-characters'

# Twilio (leave unset to print codes to the log instead, for development only).
# export TWILIO_ACCOUNT_SID='ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'
# export TWILIO_AUTH_TOKEN='your-auth-token'
# export TWILIO_FROM_NUMBER='+15005550006'
