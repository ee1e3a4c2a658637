import os
import pwd

path = "/data/visits.txt"
with open(path, "a") as f:
    f.write("visit\n")
with open(path) as f:
    print("wrote %s, %d line(s)" % (path, len(f.readlines())))
print("user %s uid=%d gid=%d" % (pwd.getpwuid(os.getuid()).pw_name, os.getuid(), os.getgid()))
