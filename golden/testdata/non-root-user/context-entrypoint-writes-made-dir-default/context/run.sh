#!/bin/sh
echo started >> /opt/svc/logs/svc.log
exec sleep infinity
