#!/bin/sh
mkdir -p /root/.config/app
cp settings.ini /root/.config/app/
exec ./server
