#!/bin/sh
envsubst < /opt/svc/app.tmpl > /etc/app.conf
exec app --config /etc/app.conf
